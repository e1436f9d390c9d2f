import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../src/service/aggregate.js';
import { getDocumentClient } from '../src/store/client.js';
import { deliver } from '../src/stream/delivery.js';
import { setEventsStream } from '../src/stream/events-stream.js';
import type { StreamRecord } from '../src/stream/record.js';
import { shardName, type StoredRecord } from '../src/stream/sequence.js';
import { ingestOk, stats, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';
import { MIN } from './support/time.js';

const store = useTestStore();

/**
 * The records one short afternoon of a site puts on the stream, captured rather than
 * consumed: three visitors' sessions over four requests, and a client's retry of the first
 * request (its events again, in a record of their own).
 */
const sid = (site: string, name: string) => `${site.replace(/[^A-Za-z0-9]/g, '-')}-${name}`;

/** The records `send` puts on the stream, captured rather than consumed. */
async function capture(send: () => Promise<void>): Promise<StreamRecord[]> {
  const captured: StreamRecord[] = [];
  setEventsStream({ put: async (records) => void captured.push(...records) });
  try {
    await send();
  } finally {
    setEventsStream(store.stream());
  }
  return captured;
}

/** As one shard holds them: in order, numbered. */
const stored = (records: StreamRecord[]): StoredRecord[] =>
  records.map((record, i) => ({ ...record, sequenceNumber: String(4_960_000_000 + i), arrivedAt: Date.now() }));

/**
 * Each site's visitors have addresses of their own: one address bringing the visitors of
 * dozens of sites within a minute would meet the per-client bound (client-bound.ts).
 */
const sites = new Map<string, number>();
const addressOf = (site: string, host: number) => {
  if (!sites.has(site)) sites.set(site, sites.size + 1);
  const net = sites.get(site)!;
  return `10.${net >> 8}.${net & 255}.${host}`;
};

async function recordsOf(site: string): Promise<StoredRecord[]> {
  const ip = (host: number) => addressOf(site, host);
  return stored(await capture(async () => {
    const at = Date.now() - 20 * MIN;
    const a = [
      wireEvent({ session: sid(site, 'a'), at, site, url: `https://${site}/`, referrer: 'https://www.google.com/' }),
      wireEvent({ session: sid(site, 'a'), at: at + 60_000, site, url: `https://${site}/pricing` }),
      wireEvent({ session: sid(site, 'a'), at: at + 90_000, site, type: 'signup', props: { plan: 'pro' } }),
    ];
    await ingestOk({ events: a }, { ip: ip(1) });
    await ingestOk({ events: [wireEvent({ session: sid(site, 'b'), at: at + 5_000, site, url: `https://${site}/docs` })] }, { ip: ip(2) });
    await ingestOk({ events: [wireEvent({ session: sid(site, 'c'), at: at + 7_000, site, url: `https://${site}/` })] }, { ip: ip(3) });
    await ingestOk({ events: a }, { ip: ip(1) });
    await ingestOk(
      {
        events: [
          wireEvent({ session: sid(site, 'b'), at: at + 65_000, site, url: `https://${site}/docs/start` }),
          wireEvent({ session: sid(site, 'b'), at: at + 95_000, site, type: 'engagement', props: { engaged_ms: 30_000, scroll: 80 } }),
        ],
      },
      { ip: ip(2) },
    );
  }));
}

/** Everything the stats API says of a site today, as the dashboard reads it. */
async function snapshot(site: string) {
  const data = await stats({ site_id: site, period: 'today', include: 'health' });
  return { totals: data.totals, breakdowns: data.breakdowns, health: data.health!.totals, timeseries: data.timeseries };
}

type Fault = 'before' | 'after';

/**
 * Fails the `target`-th write to DynamoDB once: before it is sent (the store never saw it)
 * or after it landed (the caller sees an error anyway, as after a timeout). Returns how
 * many writes were made.
 */
function injectFault(target: number, fault: Fault, name: string): () => number {
  let writes = 0;
  getDocumentClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (!/^(Put|Update|Delete|BatchWrite)/.test(context.commandName ?? '')) return next(args);
      const index = ++writes;
      if (index !== target) return next(args);
      const error = Object.assign(new Error(`injected ${fault} write ${index}`), { name: 'ThrottlingException', $fault: 'server' });
      if (fault === 'before') throw error;
      await next(args);
      throw error;
    },
    { step: 'initialize', name },
  );
  return () => writes;
}

const consume = (event: KinesisStreamEvent) => aggregate(event);

/** The same snapshot with the site's name taken out, to compare two sites. */
const neutral = (site: string, value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(site, 'SITE')) as unknown;

describe('the stream consumer counts exactly once', () => {
  it('counts what the test sent (ground truth), and the same when the batch is delivered twice', async () => {
    const site = 'truth.test';
    const records = await recordsOf(site);
    expect(await deliver(shardName(0), records, consume)).toBe(records.length);
    const counted = await snapshot(site);
    // Three sessions, one visitor each; five page views (a: 2, b: 2, c: 1); one signup;
    // c bounced; a and b lasted 90 s, c 0 s; the retried request's three events are duplicates.
    expect(counted.totals).toEqual({ pageviews: 5, visitors: 3, sessions: 3, bounce_rate: 0.3333, avg_duration_s: 60, events: 1 });
    expect(counted.breakdowns.events).toEqual([{ value: 'signup', count: 1, props: [{ key: 'plan', value: 'pro', count: 1 }] }]);
    expect(counted.health).toMatchObject({ accepted: 7, duplicates: 3 });

    // At least once: Lambda may hand over a batch it already handed over.
    expect(await deliver(shardName(0), records, consume)).toBe(records.length);
    expect(await snapshot(site)).toEqual(counted);
    // And one record at a time, the way a bisected batch arrives.
    for (const record of records) await deliver(shardName(0), [record], consume);
    expect(await snapshot(site)).toEqual(counted);
  });

  it('with a failure at any one write, before or after it lands, the retried batch counts the same', async () => {
    const reference = 'reference.test';
    const referenceRecords = await recordsOf(reference);
    const count = injectFault(0, 'before', 'countWrites');
    await deliver(shardName(0), referenceRecords, consume);
    const writes = count();
    getDocumentClient().middlewareStack.remove('countWrites');
    const expected = neutral(reference, await snapshot(reference));
    expect(writes).toBeGreaterThan(10);

    const mismatches: string[] = [];
    for (const fault of ['before', 'after'] as const) {
      for (let target = 1; target <= writes; target++) {
        const site = `fault-${fault}-${target}.test`;
        const records = await recordsOf(site);
        const name = `fault-${fault}-${target}`;
        injectFault(target, fault, name);
        try {
          const done = await deliver(shardName(0), records, consume, { backoffBaseMs: 1 });
          expect(done).toBe(records.length);
        } finally {
          getDocumentClient().middlewareStack.remove(name);
        }
        const got = neutral(site, await snapshot(site));
        if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${fault} write ${target}: ${JSON.stringify(got)}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 180_000);

  it('a batch halved after a failed write counts a session that lies wholly in its second half', async () => {
    // S, X, T, S again: halved, the first half holds S's first record and the second its
    // last, so S's commit (tagged with its last record) belongs to the second half, as do
    // T's records; the first half must not apply S's increments under that later tag.
    const lost: string[] = [];
    for (const [fault, target] of (['before', 'after'] as const).flatMap((f) => Array.from({ length: 24 }, (_, i) => [f, i + 1] as const))) {
      const site = `halved-${fault}-${target}.test`;
      const at = Date.now() - 10 * MIN;
      const view = (session: string, offset: number, path: string) =>
        wireEvent({ session: sid(site, session), at: at + offset, site, url: `https://${site}${path}` });
      const records = stored(await capture(async () => {
        await ingestOk({ events: [view('s', 0, '/')] }, { ip: addressOf(site, 1) });
        await ingestOk({ events: [view('x', 1_000, '/x')] }, { ip: addressOf(site, 2) });
        await ingestOk({ events: [view('t', 2_000, '/t')] }, { ip: addressOf(site, 3) });
        await ingestOk({ events: [view('s', 30_000, '/pricing')] }, { ip: addressOf(site, 1) });
      }));
      const name = `halved-${fault}-${target}`;
      injectFault(target, fault, name);
      try {
        expect(await deliver(shardName(0), records, consume, { backoffBaseMs: 1 })).toBe(records.length);
      } finally {
        getDocumentClient().middlewareStack.remove(name);
      }
      const totals = (await stats({ site_id: site, period: 'today' })).totals;
      if (totals.pageviews !== 4 || totals.sessions !== 3 || totals.visitors !== 3) lost.push(`${fault} write ${target}: ${JSON.stringify(totals)}`);
    }
    expect(lost).toEqual([]);
  }, 120_000);

  it('after a crash at any write, a restart that brings the same sessions’ next records counts each event once', async () => {
    const lost: string[] = [];
    for (let target = 1; target <= 40; target++) {
      const site = `crash-${target}.test`;
      const at = Date.now() - 10 * MIN;
      const body = (session: string, batch: number) => ({
        events: Array.from({ length: 3 }, (_, i) => wireEvent({ session: sid(site, session), id: `${session}-${batch}-${i}`, at: at + batch * 50_000 + i * 1_000, site })),
      });
      const first = await capture(async () => {
        await ingestOk(body('a', 0), { ip: addressOf(site, 1) });
        await ingestOk(body('b', 0), { ip: addressOf(site, 2) });
      });
      // Put while the consumer was down: a's next request, a's retry of its first, b's next.
      const later = await capture(async () => {
        await ingestOk(body('a', 1), { ip: addressOf(site, 1) });
        await ingestOk(body('a', 0), { ip: addressOf(site, 1) });
        await ingestOk(body('b', 1), { ip: addressOf(site, 2) });
      });
      const records = stored([...first, ...later]);
      // The process dies at this write: it lands (or not, it makes no difference here), and nothing after it does.
      let writes = 0;
      let dead = false;
      getDocumentClient().middlewareStack.add(
        (next, context) => async (args) => {
          if (/^(Put|Update|Delete|BatchWrite)/.test(context.commandName ?? '')) {
            if (dead) throw new Error('the process is gone');
            if (++writes === target) {
              dead = true;
              await next(args);
              throw new Error('killed');
            }
          }
          return next(args);
        },
        { step: 'initialize', name: 'crash' },
      );
      try {
        await deliver(shardName(0), records.slice(0, first.length), consume, { retries: 0 });
      } finally {
        getDocumentClient().middlewareStack.remove('crash');
      }
      // The restart: no checkpoint was written, so delivery starts over, with what came since.
      expect(await deliver(shardName(0), records, consume)).toBe(records.length);
      const totals = (await stats({ site_id: site, period: 'today' })).totals;
      if (totals.pageviews !== 12 || totals.sessions !== 2 || totals.visitors !== 2) lost.push(`write ${target}: ${JSON.stringify(totals)}`);
    }
    expect(lost).toEqual([]);
  }, 180_000);

  it('with values admitted by weight, a failure at any write still counts each page view once, in one row', async () => {
    // Two page slots: the first goes to whoever comes first, the second to a value that two
    // clients sent. Delivered in two batches, /x waits in (other) after the first and is
    // admitted late in the second, with whatever the weights and the claims say after the fault.
    const caps = { page: 2 };
    const consumeCapped = (event: KinesisStreamEvent) => aggregate(event, { caps });
    const truth = { '/': 1, '/x': 3, '/z': 1 };
    const recordsFor = async (site: string) => {
      const at = Date.now() - 10 * MIN;
      const view = (n: number, path: string) =>
        ingestOk({ events: [wireEvent({ session: sid(site, `v${n}`), at: at + n * 1000, site, url: `https://${site}${path}` })] }, { ip: addressOf(site, n) });
      const first = await capture(async () => {
        await view(1, '/');
        await view(2, '/x');
      });
      const second = await capture(async () => {
        await view(3, '/x');
        await view(4, '/x');
        await view(5, '/z');
      });
      const all = stored([...first, ...second]);
      return [all.slice(0, first.length), all.slice(first.length)];
    };
    const pagesOf = async (site: string) => {
      const data = await stats({ site_id: site, period: 'today' });
      return { total: data.totals.pageviews, rows: Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews])), late: data.meta.late_values.map((v) => v.value) };
    };

    const reference = 'weighed.test';
    const count = injectFault(0, 'before', 'countWeighed');
    for (const batch of await recordsFor(reference)) await deliver(shardName(0), batch, consumeCapped);
    const writes = count();
    getDocumentClient().middlewareStack.remove('countWeighed');
    expect(await pagesOf(reference)).toEqual({ total: 5, rows: { '/': 1, '/x': 2, '(other)': 2 }, late: ['/x'] });

    const wrong: string[] = [];
    for (const fault of ['before', 'after'] as const) {
      for (let target = 1; target <= writes; target++) {
        const site = `weighed-${fault}-${target}.test`;
        const batches = await recordsFor(site);
        const name = `weighed-${fault}-${target}`;
        injectFault(target, fault, name);
        try {
          for (const batch of batches) expect(await deliver(shardName(0), batch, consumeCapped, { backoffBaseMs: 1 })).toBe(batch.length);
        } finally {
          getDocumentClient().middlewareStack.remove(name);
        }
        // A claim that landed before its error may leak a slot (fewer rows); never a count twice or lost.
        const got = await pagesOf(site);
        const rowsSum = Object.values(got.rows).reduce((a, b) => a + b, 0);
        const overTruth = Object.entries(got.rows).filter(([value, pv]) => value !== '(other)' && pv > truth[value as keyof typeof truth]);
        if (got.total !== 5 || rowsSum !== 5 || overTruth.length) wrong.push(`${fault} write ${target}: ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 180_000);
});
