import { describe, expect, it } from 'vitest';
import { ingestBatch, senderOf } from '../src/service/ingest.js';
import { collapse, flushSite } from '../src/service/rollup-flush.js';
import { parseEventsBody } from '../src/service/validate.js';
import { capacitySnapshot } from '../src/store/capacity.js';
import { getDocumentClient } from '../src/store/client.js';
import { deltaBound, openFlush, queryDeltas, readCursor, START, watermark } from '../src/store/deltas-store.js';
import { CAPS, dayPkOfLabel } from '../src/store/keys.js';
import { queryPartitions } from '../src/store/stats-store.js';
import { tableName } from '../src/store/tables.js';
import { backfill, ingestOk, newSessionId, onDay, realtime, stats, useApiKey, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';
import { DAY, HOUR, label, TODAY } from './support/time.js';

useTestStore();
useApiKey('flush-test-key');

const statsWrites = () => capacitySnapshot().write[tableName('stats')] ?? 0;

/** One page view in a new session per request: the worst case for rollup writes. */
async function visits(site: string, n: number, at: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await backfill([wireEvent({ session: newSessionId(), at: at + i * 1000, site, url: `https://${site}/pricing`, referrer: 'https://www.bing.com/' })]);
  }
}

type StatsInput = { TableName?: string; UpdateExpression?: string; Key?: { sk?: string }; Item?: { pk?: string } };

/** Makes the stats table's requests that `matches` picks fail as a throttled DynamoDB would, `count` times. */
function throttle(count: number, matches: (input: StatsInput) => boolean): () => void {
  let left = count;
  const name = `throttle-${Math.random()}`;
  getDocumentClient().middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as StatsInput;
      if (left > 0 && input.TableName === tableName('stats') && matches(input)) {
        left--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => getDocumentClient().middlewareStack.remove(name);
}
const throttleAdds = (count: number) => throttle(count, (input) => Boolean(input.UpdateExpression?.includes('ADD')));
const dayItems = async (site: string, at: number) => {
  const pk = dayPkOfLabel(site, label(at));
  return (await queryPartitions([pk], undefined, true)).get(pk) ?? [];
};

describe('rollup deltas and the flush', () => {
  it('writes one delta per request and no rollup item until a flush', async () => {
    const site = 'deltas.test';
    const at = TODAY - 2 * DAY + 9 * HOUR;
    await visits(site, 3, at);
    const { deltas } = await queryDeltas(site, START, deltaBound(watermark(0)));
    expect(deltas).toHaveLength(3);
    expect(deltas.every((d) => d.increments.some((i) => i.pk === `${site}#D#${label(at)}`))).toBe(true);
    expect(await readCursor(site)).toBeUndefined();
    // The read flushes first: it sees every request that finished before it, and says so.
    const before = Date.now();
    const data = await onDay(site, at);
    expect(data.totals).toMatchObject({ pageviews: 3, sessions: 3 });
    expect(Date.parse(data.meta.counted_until!)).toBeGreaterThanOrEqual(before);
    expect(await readCursor(site)).toMatchObject({ seq: 1, open: false });
  });

  it('collapses many requests into one write per rollup item', async () => {
    const site = 'collapse.test';
    const at = TODAY - 3 * DAY + 9 * HOUR;
    await visits(site, 20, at);
    const before = statsWrites();
    const flushed = await flushSite(site);
    const writes = statsWrites() - before;
    expect(flushed.deltas).toBe(20);
    // Hour and day total, page, source, tech, country: the same six items for all 20 requests,
    // and today's total, which keeps the ingestion health counts (by receive day).
    expect(flushed.items).toBe(7);
    // Plus a distinct-value slot for each new capped item (page, source, tech, country) and
    // opening and closing the flush: 13, where writing per request took over a hundred.
    expect(writes).toBeLessThanOrEqual(flushed.items + 4 + 2);
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 20, sessions: 20, bounce_rate: 1 });
  });

  it('counts once when a flush is run again, or by two flushers at the same time', async () => {
    const site = 'twice.test';
    const at = TODAY - 4 * DAY + 9 * HOUR;
    await visits(site, 4, at);
    await Promise.all([flushSite(site), flushSite(site), flushSite(site)]);
    // A flusher that stopped after opening its flush: whoever comes next runs it.
    await visits(site, 2, at + HOUR);
    const cursor = await readCursor(site);
    const opened = await openFlush(site, cursor, deltaBound(watermark(0)));
    expect(opened).toMatchObject({ seq: cursor!.seq + 1, open: true });
    expect(await openFlush(site, cursor, deltaBound(watermark(0)))).toBeUndefined();
    // Open for a moment: the others wait for it (and find it done, or give up and read).
    const waited = await flushSite(site, { takeOverAfterMs: 60_000 });
    expect(waited).toMatchObject({ deltas: 0, items: 0 });
    expect(await readCursor(site)).toMatchObject({ seq: opened!.seq, open: true });
    // Open too long: its flusher is presumed dead and the next ones run it.
    await Promise.all([flushSite(site, { takeOverAfterMs: 0 }), flushSite(site, { takeOverAfterMs: 0 })]);
    expect(await readCursor(site)).toMatchObject({ seq: opened!.seq, open: false });
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 6, sessions: 6 });
  });

  it('resumes a flush that failed half-way and adds nothing twice', async () => {
    const site = 'halfway.test';
    const at = TODAY - 5 * DAY + 9 * HOUR;
    await visits(site, 5, at);
    // Two of the six ADDs fail: the flush stops with its cursor open.
    const restore = throttleAdds(2);
    await expect(flushSite(site)).rejects.toThrow(/unavailable/i);
    restore();
    expect(await readCursor(site)).toMatchObject({ seq: 1, open: true });
    await flushSite(site, { takeOverAfterMs: 0 });
    expect(await readCursor(site)).toMatchObject({ seq: 1, open: false });
    const data = await onDay(site, at);
    expect(data.totals).toMatchObject({ pageviews: 5, sessions: 5 });
    expect(data.breakdowns.pages).toEqual([{ value: '/pricing', pageviews: 5, visitors: expect.any(Number) }]);
    expect(data.breakdowns.browsers.reduce((sum, row) => sum + row.pageviews, 0)).toBe(5);
  });

  it('works off a backlog in several flushes', async () => {
    const site = 'backlog.test';
    const at = TODAY - 7 * DAY + 9 * HOUR;
    await visits(site, 7, at);
    // Three flushes (3, 3 and 1 deltas), each writing the same seven items.
    expect(await flushSite(site, { deltasPerFlush: 3 })).toMatchObject({ deltas: 7, items: 3 * 7 });
    expect(await readCursor(site)).toMatchObject({ seq: 3, open: false });
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 7, sessions: 7 });
  });

  it('writes no total before every other item of the flush is in, and the run that completes it does', async () => {
    const site = 'totals-last.test';
    const at = TODAY - 8 * DAY + 9 * HOUR;
    await visits(site, 2, at);
    await flushSite(site);
    await visits(site, 1, at + HOUR);
    const restore = throttleAdds(1);
    await expect(flushSite(site)).rejects.toThrow(/unavailable/i);
    restore();
    // The day cache's fingerprint did not move: a reader keeps what it has, whole.
    expect((await dayItems(site, at)).find((item) => item.sk === 'total')).toMatchObject({ pv: 2 });
    await flushSite(site, { takeOverAfterMs: 0 });
    expect((await dayItems(site, at)).find((item) => item.sk === 'total')).toMatchObject({ pv: 3 });
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 3, sessions: 3 });
  });

  it('writes nothing of a flush until every increment knows its item, so (other) is added to once, whole', async () => {
    const site = 'other-whole.test';
    const at = TODAY - 9 * DAY + 9 * HOUR;
    const saved = CAPS.page;
    CAPS.page = 1;
    try {
      await backfill([wireEvent({ session: newSessionId(), at, site, url: `https://${site}/a` })]);
      await flushSite(site);
      // Two values past the cap: both go to (other). Finding the first one's item fails once.
      await backfill([0, 1].map((i) => wireEvent({ session: newSessionId(), at: at + i * 1000, site, url: `https://${site}/over-${i}` })));
      const restore = throttle(1, (input) => input.Key?.sk?.startsWith('page#/over') === true && input.UpdateExpression === undefined);
      await expect(flushSite(site)).rejects.toThrow(/unavailable/i);
      restore();
      expect((await dayItems(site, at)).some((item) => item.sk === 'page#(other)')).toBe(false);
      await flushSite(site, { takeOverAfterMs: 0 });
    } finally {
      CAPS.page = saved;
    }
    expect((await dayItems(site, at)).find((item) => item.sk === 'page#(other)')).toMatchObject({ pv: 2 });
  });

  it('parks only what the store did not take of a delta split in several items, and the retry adds just that', async () => {
    const site = 'chunks.test';
    const at = TODAY - 10 * DAY + 9 * HOUR;
    const session = newSessionId();
    // 400 page views of long (300-character), distinct paths, sent at once as an import does:
    // a delta of several items (≤ 100,000 characters each).
    const events = Array.from({ length: 400 }, (_, i) =>
      wireEvent({ session, at: at + i * 1000, site, url: `https://${site}/${String(i).padStart(3, '0')}-${'x'.repeat(300)}` }),
    );
    const entries = Array.from({ length: 8 }, (_, i) => i * 50).flatMap((from) => {
      const parsed = parseEventsBody(JSON.stringify({ events: events.slice(from, from + 50) }));
      return parsed.events.map((event) => ({ event, sender: senderOf({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' }) }));
    });
    let deltaPuts = 0;
    const restore = throttle(1, (input) => input.Item?.pk === `${site}#Q` && ++deltaPuts === 2);
    const ctx = { receivedAt: Date.now(), trusted: true };
    await expect(ingestBatch(entries, ctx)).rejects.toThrow(/unavailable/i);
    restore();
    // The delta had a second item (the one refused).
    expect(deltaPuts).toBe(2);
    // The retry: every event a duplicate; the parked part is claimed and written.
    expect(await ingestBatch(entries, ctx)).toMatchObject({ accepted: 0, duplicates: 400 });
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 400, sessions: 1 });
  });

  it('leaves deltas younger than the grace for a later flush (writes of other processes may still be in flight)', async () => {
    const site = 'grace.test';
    const at = TODAY - 6 * DAY + 9 * HOUR;
    await visits(site, 2, at);
    const early = await flushSite(site, { graceMs: 60_000 });
    expect(early).toMatchObject({ deltas: 0, items: 0 });
    expect(early.countedUntil).toBeLessThanOrEqual(Date.now() - 60_000);
    expect(await flushSite(site, { graceMs: 0 })).toMatchObject({ deltas: 2 });
  });

  it('never passes a delta this process is still writing', async () => {
    const site = 'inflight.test';
    const session = newSessionId();
    // Hold the delta's PutItem until a flush has looked.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const putReached = new Promise<void>((resolve) => (reached = resolve));
    getDocumentClient().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { TableName?: string; Item?: { pk?: string } };
        if (input.TableName === tableName('stats') && input.Item?.pk === `${site}#Q`) {
          reached();
          await held;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdDelta' },
    );
    try {
      const posting = ingestOk({ events: [wireEvent({ session, at: Date.now(), site })], sent_at: Date.now() });
      await putReached;
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await flushSite(site, { graceMs: 0 })).toMatchObject({ deltas: 0, items: 0 });
      release();
      await posting;
    } finally {
      getDocumentClient().middlewareStack.remove('holdDelta');
    }
    expect(await flushSite(site, { graceMs: 0 })).toMatchObject({ deltas: 1 });
    expect((await stats({ site_id: site, period: 'today' })).totals.pageviews).toBe(1);
  });

  it('shows the page views of the grace window in realtime, and says in stats that they are not counted yet', async () => {
    const site = 'aws-like.test';
    const now = Date.now();
    await ingestOk({ events: [0, 1, 2].map((i) => wireEvent({ session: newSessionId(), at: now - i * 1000, site })), sent_at: now });
    process.env.LIVEINSIGHT_FLUSH_GRACE_MS = '60000';
    try {
      const live = await realtime({ site_id: site });
      expect(live.per_minute.reduce((sum, m) => sum + m.pageviews, 0)).toBe(3);
      const today = await stats({ site_id: site, period: 'today' });
      expect(today.totals.pageviews).toBe(0);
      expect(Date.parse(today.meta.counted_until!)).toBeLessThanOrEqual(Date.now() - 60_000);
    } finally {
      delete process.env.LIVEINSIGHT_FLUSH_GRACE_MS;
    }
    // Without the grace (one process), the next read folds them in: counted once, not twice.
    expect((await stats({ site_id: site, period: 'today' })).totals.pageviews).toBe(3);
    expect((await realtime({ site_id: site })).per_minute.reduce((sum, m) => sum + m.pageviews, 0)).toBe(3);
  });

  it('sums the counters of an item across increments', () => {
    const pk = 'sum.test#D#2026-01-01';
    expect(
      collapse([
        { pk, family: 'page', parts: ['/a'], add: { pv: 1, vi: 1 } },
        { pk, family: 'page', parts: ['/a'], add: { pv: 2 } },
        { pk, family: 'page', parts: ['/b'], add: { pv: 1 } },
      ]),
    ).toEqual([
      { pk, family: 'page', parts: ['/a'], add: { pv: 3, vi: 1 } },
      { pk, family: 'page', parts: ['/b'], add: { pv: 1 } },
    ]);
  });
});
