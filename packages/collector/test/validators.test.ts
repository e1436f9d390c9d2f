import { LIMITS } from '@liveinsight/contract';
import { describe, expect, it } from 'vitest';
import { validEvent } from '../../sdk/src/lib/props.js';
import { parseEventsBody } from '../src/service/validate.js';
import { ingestOk, newSessionId, onDay, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';

useTestStore();

type Props = Record<string, unknown>;
const x = (n: number, char = 'a') => char.repeat(n);
const propsOf = (n: number): Props => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

/**
 * Custom events at every edge of the tracker's and the collector's rules: the limits ±1,
 * huge and tiny numbers, NaN-like strings, names of spaces, lone surrogates, control
 * characters (both accept these; the consumer strips control characters and escapes before
 * anything becomes a stats key, lib/clean.ts).
 */
const CASES: [label: string, name: unknown, props: Props][] = [
  ['a plain event', 'signup', { plan: 'pro' }],
  ['a name at the limit', x(LIMITS.eventTypeLength), {}],
  ['a name past the limit', x(LIMITS.eventTypeLength + 1), {}],
  ['an empty name', '', {}],
  ['a name of spaces', '   ', {}],
  ['a name with spaces around it', '  signup  ', {}],
  ['a name of one lone surrogate', '\ud800', {}],
  ['a name with a control character', 'sign\u0001up', {}],
  ['a name with a tab and a newline', 'sign\tup\n', {}],
  ['a name of escapes at the limit', x(LIMITS.eventTypeLength, '"'), {}],
  ['a name of control characters at the limit', x(LIMITS.eventTypeLength, '\u0001'), {}],
  ['a name of lone surrogates at the limit', x(LIMITS.eventTypeLength, '\ud800'), {}],
  ['a number as name', 42, {}],
  ['props at the key limit', 'e', propsOf(LIMITS.props)],
  ['props past the key limit', 'e', propsOf(LIMITS.props + 1)],
  ['a key at the limit', 'e', { [x(LIMITS.propKeyLength)]: 1 }],
  ['a key past the limit', 'e', { [x(LIMITS.propKeyLength + 1)]: 1 }],
  ['an empty key', 'e', { '': 1 }],
  ['a value at the limit', 'e', { v: x(LIMITS.propValueLength) }],
  ['a value past the limit', 'e', { v: x(LIMITS.propValueLength + 1) }],
  ['NaN-like strings', 'e', { a: 'NaN', b: 'Infinity', c: '-0', d: '1e999' }],
  ['NaN', 'e', { v: NaN }],
  ['Infinity', 'e', { v: Infinity }],
  ['a huge integer', 'e', { v: 2 ** 60 }],
  ['a tiny number', 'e', { v: 1e-200 }],
  ['2^53 − 1 and 1e-130', 'e', { a: Number.MAX_SAFE_INTEGER, b: 1e-130 }],
  ['booleans', 'e', { a: true, b: false }],
  ['null', 'e', { v: null }],
  ['a nested object', 'e', { v: { w: 1 } }],
  ['an array', 'e', { v: [1] }],
  ['a value with a lone surrogate', 'e', { v: 'a\udc00b' }],
  ['a value with control characters', 'e', { v: '\u0000\u001f' }],
];

/**
 * Where the two validators differ today, and why it is not fixed here. The tracker's rule
 * is one pattern over the event's JSON, tuned for bytes: rejecting a name of spaces costs
 * 7 bytes gzipped (1,605 B against the core's 1,600 B budget), so the collector's refusal
 * (a 200 with the event in data.rejected) is the answer for now. JSON writes a control
 * character or a lone surrogate as six characters (`\u0001`), which the pattern counts as
 * five, so the tracker refuses long names of them that the collector takes: stricter, so
 * nothing is lost. The test fails when a drift disappears or a new one appears.
 */
const KNOWN_DRIFT = new Set([
  'a name of spaces',
  'a name of control characters at the limit',
  'a name of lone surrogates at the limit',
]);

const collectorAccepts = (name: unknown, props: Props) =>
  parseEventsBody(JSON.stringify({ event_type: name, session_id: 'session-1', props })).events.length === 1;

describe('the tracker and the collector validate custom events alike', () => {
  it.each(CASES)('%s', (label, name, props) => {
    const tracker = validEvent([name, props]);
    const collector = collectorAccepts(name, props);
    expect(tracker !== collector, `tracker ${tracker}, collector ${collector}`).toBe(KNOWN_DRIFT.has(label));
  });

  it('the store keeps every event both accept, and the rollups count each', async () => {
    const site = 'validators.test';
    const at = Date.now();
    const session = newSessionId();
    const both = CASES.filter(([, name, props]) => validEvent([name, props]) && collectorAccepts(name, props));
    expect(both.length).toBeGreaterThan(10);
    const events = both.map(([, name, props], i) => ({ ...wireEvent({ type: 'x', session, at: at + i, site, props: props as never }), event_type: name }));
    const data = await ingestOk({ events, sent_at: at + 100 });
    expect(data.rejected).toEqual([]);
    expect(data.accepted).toBe(both.length);
    const day = await onDay(site, at);
    expect(day.totals.events).toBe(both.length);
  });
});
