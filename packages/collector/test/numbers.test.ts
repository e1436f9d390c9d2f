import { describe, expect, it } from 'vitest';
import { validEvent } from '../../sdk/src/lib/props.js';
import { REASON, storableNumber } from '@liveinsight/contract';
import { parseEventsBody } from '../src/service/validate.js';
import { ingestOk, newSessionId, onDay, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';

useTestStore();

const MAX = Number.MAX_SAFE_INTEGER;

/** Numbers at and around every edge the validators and the store have, as JSON.parse yields them. */
const CASES: [label: string, value: number][] = [
  ['a 20-digit order id', JSON.parse('12345678901234567890') as number],
  ['1e300', 1e300],
  ['-1e300', -1e300],
  ['the largest double', Number.MAX_VALUE],
  ['1e125', 1e125],
  ['1e126', 1e126],
  ['2^53 − 1', MAX],
  ['2^53 − 2', MAX - 1],
  ['2^53', MAX + 1],
  ['−(2^53 − 1)', -MAX],
  ['−(2^53)', -MAX - 1],
  ['−0', -0],
  ['0', 0],
  ['1e-130', 1e-130],
  ['-1e-130', -1e-130],
  ['just above 1e-130', 1.0000000000000001e-130],
  ['just below 1e-130', 9.999999999999999e-131],
  ['1e-200', 1e-200],
  ['the smallest double', Number.MIN_VALUE],
  ['0.1 + 0.2', 0.1 + 0.2],
  ['-29.9', -29.9],
  ['4503599627370495.5', 4503599627370495.5],
];

const collectorAccepts = (value: number) => {
  const parsed = parseEventsBody(JSON.stringify({ event_type: 'purchase', session_id: 'session-1', props: { n: value } }));
  return parsed.events.length === 1 ? true : parsed.rejected[0]!.reason;
};

describe('numbers in props', () => {
  it.each(CASES)('%s: the tracker and the collector agree', (_, value) => {
    const tracker = validEvent(['purchase', { n: value }]);
    const collector = collectorAccepts(value);
    expect(collector === true ? true : false).toBe(tracker);
    if (collector !== true) expect(collector).toBe(REASON.prop_number);
    expect(tracker).toBe(storableNumber(value));
  });

  it('refuses exactly the numbers the store could not keep', () => {
    const refused = CASES.filter(([, value]) => !storableNumber(value)).map(([label]) => label);
    expect(refused).toEqual([
      'a 20-digit order id',
      '1e300',
      '-1e300',
      'the largest double',
      '1e125',
      '1e126',
      '2^53',
      '−(2^53)',
      'just below 1e-130',
      '1e-200',
      'the smallest double',
    ]);
  });

  it('stores every number both accept, and counts the rest of a batch beside one it refuses', async () => {
    const site = 'numbers.test';
    const at = Date.now();
    const accepted = CASES.filter(([, value]) => storableNumber(value));
    const refused = CASES.filter(([, value]) => !storableNumber(value));
    const session = newSessionId();
    // One batch: a page view, then a purchase per case, as the tracker would batch them.
    const events = [
      wireEvent({ session, at, site, url: 'https://numbers.test/checkout' }),
      ...CASES.map(([, value], i) => wireEvent({ type: 'purchase', session, at: at + 1 + i, site, props: { order_id: value } })),
    ];
    const body = `{"events":[${events.map((e) => JSON.stringify(e)).join(',')}],"sent_at":${at + 100}}`;
    // JSON.stringify writes the 20-digit id rounded; send its digits as a real client would.
    const sent = body.replace('"order_id":12345678901234567000', '"order_id":12345678901234567890');
    expect(sent).not.toBe(body);
    const data = await ingestOk(sent);
    expect(data.accepted).toBe(1 + accepted.length);
    expect(data.rejected).toEqual(
      CASES.flatMap(([, value], i) => (storableNumber(value) ? [] : [{ index: i + 1, reason: REASON.prop_number }])),
    );
    expect(data.rejected).toHaveLength(refused.length);
    const day = await onDay(site, at);
    expect(day.totals.pageviews).toBe(1);
    expect(day.totals.events).toBe(accepted.length);
  });
});
