/**
 * `npm run bench` (collector): ingest throughput and latency through the local HTTP
 * stack next to dynalite's raw put rate, DynamoDB write units per event and what they
 * cost, GET /api/stats latency at 10,000 and at 1,000,000 events, and the size of each
 * Lambda bundle. docs/collector.md explains every number.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { reportArchive } from './archive.js';
import { reportBundles } from './bundles.js';
import { startLocalStack } from '../src/local/index.js';
import { mapLimit } from '../src/lib/concurrency.js';
import { record, type RecordedRequest, type Recorder } from '../capacity/recorder.js';
import { createDocumentClient, getDocumentClient } from '../src/store/client.js';
import { tableName, type TableId } from '../src/store/tables.js';
import { ingestBatch, senderOf, type BatchEntry } from '../src/service/ingest.js';
import { parseEventsBody } from '../src/service/validate.js';
import { chunk, sessions, type Session, type WireEvent } from './traffic.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const MIN = 60_000;
const DAY = 86_400_000;
/** DynamoDB on-demand, us-east-1, since November 2024: $0.625 per million write request units. */
const USD_PER_MILLION_WRITE_UNITS = 0.625;
const USD_PER_MILLION_READ_UNITS = 0.125;
const CONCURRENCY = 8;
const SEED_TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** Events per ingestBatch call while seeding (a day's traffic in time order is cut into these). */
const SEED_BATCH = 20_000;

const started = performance.now();
const log = (line = '') => console.log(line);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ------------------------------------------------------------------ the store, the stack

const store = spawn(process.execPath, [`${HERE}store-process.mjs`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  store.once('error', reject);
  store.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
});
const storeEndpoint = `http://127.0.0.1:${port}`;
delete process.env.LIVEINSIGHT_API_KEY;
const stack = await startLocalStack({ port: 0, storeEndpoint });

try {
  log(`LiveInsight collector bench — Node ${process.version}, ${(await import('node:os')).cpus().length} cores, dynalite in its own process`);
  log();

  // ------------------------------------------------------------ 1. dynalite's raw put rate
  const raw = createDocumentClient(storeEndpoint);
  const RAW_PUTS = 4_000;
  let next = 0;
  const rawStart = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < RAW_PUTS) {
        const i = next++;
        await raw.send(
          new PutCommand({
            TableName: tableName('stats'),
            Item: {
              pk: `bench-raw#${i % 500}`,
              sk: `e-${i}`,
              event_type: 'page_view',
              page_url: 'https://bench.example/blog/post-1',
              referrer: 'https://www.google.com/',
              user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
              site_id: 'bench.example',
              ttl: Math.floor(Date.now() / 1000) + 86_400,
            },
          }),
        );
      }
    }),
  );
  const rawRate = RAW_PUTS / ((performance.now() - rawStart) / 1000);
  raw.destroy();
  log(`1. dynalite raw PutItem rate (${RAW_PUTS} puts, ${CONCURRENCY} in flight): ${fmt(rawRate, 0)} puts/s`);

  // ------------------------------------------------ 2. ingest through the local HTTP stack
  const now = Date.now();
  const liveTraffic = (site: string, seed: number) => [...sessions({ seed, site, sessions: 600, from: now - 40 * MIN, to: now - 20 * MIN, visitors: 450 })];
  const live = liveTraffic('bench-live.example', 7);
  const batches = (list: Session[]) => list.flatMap((s) => chunk(s.events, 10).map((events) => ({ session: s, events })));
  const requests = batches(live);
  const liveResult = await sendOverHttp(requests);
  // The same mix again for another site, with every DynamoDB request recorded: the recorder
  // reads each item around its write to bill it, which would slow the timed run above.
  const unitsRequests = batches(liveTraffic('bench-units.example', 7));
  const unitsResult = await sendOverHttp(unitsRequests, { recorded: true });
  const liveEvents = requests.reduce((sum, r) => sum + r.events.length, 0);
  const livePageviews = live.reduce((sum, s) => sum + s.pageviews, 0);
  log(
    `2. POST /api/events through the local HTTP stack: ${requests.length} requests of up to 10 events (mean ${fmt(liveEvents / requests.length)}), ` +
      `${liveEvents} events (${livePageviews} page views, ${live.length} sessions), ${CONCURRENCY} in flight; the stream's consumer runs in the same process`,
  );
  log(`   ${fmt(liveEvents / liveResult.seconds, 0)} events/s, ${fmt(requests.length / liveResult.seconds, 0)} requests/s; latency p50 ${fmt(percentile(liveResult.latencies, 50))} ms, p99 ${fmt(percentile(liveResult.latencies, 99))} ms`);
  log(`   the consumer had counted everything ${fmt(liveResult.catchUpSeconds, 1)} s after the last answer`);
  log(`   dynalite's floor for comparison: ${fmt(rawRate, 0)} single puts/s; the collector makes ${fmt(unitsResult.capacity!.calls.write / liveEvents, 2)} write calls per event`);
  report(`3. Write units for that mix (batches of up to 10, one session each)`, unitsResult.capacity!, liveEvents, livePageviews);

  // One request per page visit, as a multi-page site's tracker sends them on pagehide.
  const visits = [...sessions({ seed: 8, site: 'bench-visits.example', sessions: 200, from: now - 40 * MIN, to: now - 20 * MIN, visitors: 150 })];
  const visitRequests = visits.flatMap((s) => perVisit(s).map((events) => ({ session: s, events })));
  const visitResult = await sendOverHttp(visitRequests, { recorded: true });
  const visitEvents = visitRequests.reduce((a, r) => a + r.events.length, 0);
  report(
    `   Same mix, one request per page visit (${visitRequests.length} requests, mean ${fmt(visitEvents / visitRequests.length)} events)`,
    visitResult.capacity!,
    visitEvents,
    visits.reduce((a, s) => a + s.pageviews, 0),
  );

  // ------------------------------------------------------------ 4. stats at 10k and at 1M
  // Two sites with the same first 10,000 events; the large one then grows to 1,000,000.
  // Both are measured in the same process state, their requests interleaved, so that the
  // ratio compares the data and not the moment (a ~20 ms p50 moves with GC and the store).
  const small = 'bench-stats-10k.example';
  const site = 'bench-stats.example';
  const windowFrom = Math.floor(now / DAY) * DAY - 29 * DAY;
  log();
  log(`4. GET /api/stats?period=30d for ${small} and ${site}, seeded through the service (ingestBatch: validation, enrichment, the stream, its consumer)`);
  const base = { seed: 11, sessions: 100, maxPages: 8, visitors: 60 };
  await seed(small, base, windowFrom, now, 10_000);
  let seeded = await seed(site, base, windowFrom, now, 10_000);
  const seedStart = performance.now();
  // The rest in long sessions (15–25 page views, ~46 events): the number of sessions changes what seeding costs, not what /api/stats reads.
  seeded += await seed(site, { seed: 12, sessions: 2_000, bounce: 0, minPages: 15, maxPages: 25, visitors: 400 }, windowFrom, now, SEED_TARGET - seeded);
  log(`   seeded up to ${fmt(seeded, 0)} events in ${fmt((performance.now() - seedStart) / 1000, 0)} s`);
  const latency = await statsLatency(small, site);
  for (const mode of ['warm', 'cold'] as const) {
    const title = mode === 'warm' ? 'as served (unchanged days from the cache)' : 'every day read from the store (LIVEINSIGHT_STATS_CACHE=off)';
    log(`   ${title}:`);
    const [a, b] = latency[mode];
    for (const [label, run] of [['10,000', a], [fmt(seeded, 0), b]] as const) {
      log(`     ${label.padStart(9)} events: p50 ${fmt(run.p50)} ms (p90 ${fmt(run.p90)} ms), ${run.items} items read, ${fmt(run.readUnits, 1)} read units`);
    }
    log(`     ratio p50 = ${fmt(b.p50 / a.p50, 2)} (target ≤ 1.2)`);
  }
  log(`   read cost per uncached query ≈ $${fmt((latency.cold[1].readUnits * USD_PER_MILLION_READ_UNITS) / 1e6, 7)}`);

  // ------------------------------------------------------------------ 6. the archive (after the bundles below)
  // The same traffic again for other sites, warm: once with the archive writer off, between
  // two runs with it on (the first run above also warmed the code).
  const again = (site: string) => batches(liveTraffic(site, 7));
  const withBefore = await sendOverHttp(again('bench-archive-a.example'));
  stack.setArchiving(false);
  const plainResult = await sendOverHttp(again('bench-noarchive.example'));
  stack.setArchiving(true);
  const withAfter = await sendOverHttp(again('bench-archive-b.example'));
  const archiveIngest = { events: liveEvents, seconds: (withBefore.seconds + withAfter.seconds) / 2, withoutArchiveSeconds: plainResult.seconds };

  // ------------------------------------------------------------------ 5. bundle sizes
  log();
  log('5. Lambda bundles (esbuild, minified ESM for node22, AWS SDK included, as infra bundles them; cold import under Node 22, median of 5 processes)');
  await reportBundles(log);
  log();
  log('6. The event archive: the writer, its bytes, and a DuckDB query over 30 days (bench/archive.ts)');
  await reportArchive(log, archiveIngest);
  log();
  log(`Done in ${elapsed()}.`);
} finally {
  await stack.close();
  store.kill('SIGTERM');
}

// ---------------------------------------------------------------------------- helpers

interface HttpRun {
  seconds: number;
  latencies: number[];
  /** Only for a recorded run. */
  capacity?: CapacityTotals;
  /** From the last answer to the consumer having counted everything. */
  catchUpSeconds: number;
}

/** Sends the requests, 8 in flight, then waits for the stream's consumer to count them. */
async function sendOverHttp(requests: { session: Session; events: unknown[] }[], options: { recorded?: boolean } = {}): Promise<HttpRun> {
  const recorder = options.recorded ? record(getDocumentClient(), storeEndpoint) : undefined;
  const latencies: number[] = [];
  const t0 = performance.now();
  await mapLimit(requests, CONCURRENCY, async ({ session, events }) => {
    const start = performance.now();
    const response = await fetch(`${stack.url}/api/events`, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/plain;charset=UTF-8',
        'User-Agent': session.visitor.userAgent,
        'X-Forwarded-For': `${session.visitor.ip}, 130.176.0.1`,
        ...(session.visitor.country ? { 'CloudFront-Viewer-Country': session.visitor.country } : {}),
      },
      body: JSON.stringify({ events, sent_at: Date.now() }),
    });
    const body = (await response.json()) as { data?: { accepted: number } };
    if (response.status !== 200 || body.data?.accepted !== events.length) {
      throw new Error(`POST answered ${response.status}: ${JSON.stringify(body)}`);
    }
    latencies.push(performance.now() - start);
  });
  const t1 = performance.now();
  await stack.caughtUp(600_000);
  const catchUpSeconds = (performance.now() - t1) / 1000;
  recorder?.detach();
  return { seconds: (t1 - t0) / 1000, latencies, ...(recorder && { capacity: totalsOf(recorder.requests) }), catchUpSeconds };
}

interface CapacityTotals {
  /** Write units per table, as DynamoDB bills them (the recorder's size rules; a refused write costs too). */
  write: Partial<Record<TableId, number>>;
  /** ActivityIndex writes, which DynamoDB bills and dynalite does not report. */
  indexWrites: number;
  calls: { write: number; read: number };
}

function totalsOf(requests: readonly RecordedRequest[]): CapacityTotals {
  const totals: CapacityTotals = { write: {}, indexWrites: 0, calls: { write: 0, read: 0 } };
  for (const r of requests) {
    if (r.read) totals.calls.read++;
    else if (r.op === 'index write') totals.indexWrites += r.units;
    else {
      totals.calls.write++;
      totals.write[r.table] = (totals.write[r.table] ?? 0) + r.units;
    }
  }
  return totals;
}

function readUnitsOf(recorder: Recorder): number {
  return recorder.requests.filter((r) => r.read).reduce((sum, r) => sum + r.units, 0);
}

/** A page view with what follows it (custom events, engagement): what a multi-page site sends per visit. */
function perVisit(session: Session): unknown[][] {
  const visits: unknown[][] = [];
  for (const event of session.events) {
    if (event.event_type === 'page_view' || !visits.length) visits.push([]);
    visits[visits.length - 1]!.push(event);
  }
  return visits;
}

function report(title: string, capacity: CapacityTotals, events: number, pageviews: number): void {
  const table = (id: 'sessions' | 'stats') => capacity.write[id] ?? 0;
  const units = table('sessions') + table('stats');
  const withIndex = units + capacity.indexWrites;
  log(`${title}:`);
  log(
    `   write units (recorded, by DynamoDB's size rules): sessions ${fmt(table('sessions'), 0)}, stats ${fmt(table('stats'), 0)}` +
      ` = ${fmt(units / events, 2)} per event, ${fmt(units / pageviews, 2)} per page view`,
  );
  log(
    `   + ActivityIndex writes DynamoDB bills and dynalite does not report (derived from each item before and after): ${fmt(capacity.indexWrites, 0)}` +
      ` → ${fmt(withIndex / events, 2)} per event, ${fmt(withIndex / pageviews, 2)} per page view (target ≤ 4)`,
  );
  log(`   on-demand cost: $${fmt((withIndex / events) * USD_PER_MILLION_WRITE_UNITS, 2)} per million events, $${fmt((withIndex / pageviews) * USD_PER_MILLION_WRITE_UNITS, 2)} per million page views`);
}

/**
 * Sends about `target` events of generated traffic for the days in [from, to) through
 * ingestBatch, day by day in time order, SEED_BATCH events per call. Every event is
 * validated by the same parser as POST /api/events (in bodies of 50) and carries its
 * own browser's User-Agent, address and country. Returns the events sent.
 */
async function seed(
  site: string,
  traffic: { seed: number; sessions: number; maxPages: number; visitors: number; bounce?: number; minPages?: number },
  from: number,
  to: number,
  target: number,
): Promise<number> {
  const days = Math.ceil((to - from) / DAY);
  let sent = 0;
  for (let d = 0; d < days; d++) {
    const dayFrom = from + d * DAY;
    const dayTo = Math.min(dayFrom + DAY, to - 2 * 3_600_000);
    const wanted = Math.round((target * (d + 1)) / days) - sent;
    if (dayTo <= dayFrom || wanted <= 0) continue;
    const day: { event: WireEvent; session: Session }[] = [];
    for (const session of sessions({ ...traffic, seed: traffic.seed * 1000 + d, sessions: traffic.sessions, site, from: dayFrom, to: dayTo })) {
      for (const event of session.events) if (event.timestamp < to) day.push({ event, session });
      if (day.length >= wanted) break;
    }
    day.sort((a, b) => a.event.timestamp - b.event.timestamp);
    const senders = new Map<Session, BatchEntry['sender']>();
    for (const slice of chunk(day.slice(0, wanted), SEED_BATCH)) {
      const entries: BatchEntry[] = [];
      for (const body of chunk(slice, 50)) {
        const parsed = parseEventsBody(JSON.stringify({ events: body.map((e) => e.event) }));
        if (parsed.rejected.length) throw new Error(`seed event rejected: ${parsed.rejected[0]!.reason}`);
        parsed.events.forEach((event, i) => {
          const { session } = body[i]!;
          let sender = senders.get(session);
          if (!sender) {
            sender = senderOf({ userAgent: session.visitor.userAgent, forwardedFor: session.visitor.ip, country: session.visitor.country || undefined });
            senders.set(session, sender);
          }
          entries.push({ event, sender });
        });
      }
      const result = await ingestBatch(entries, { receivedAt: Date.now(), trusted: true });
      if (result.accepted !== entries.length) throw new Error(`seed batch: ${JSON.stringify(result).slice(0, 300)}`);
      sent += entries.length;
      // The consumer keeps up before more is put: the stream is not a place to park a million events.
      await stack.caughtUp(600_000);
    }
    if (target > 100_000 && d % 5 === 4) log(`   … ${fmt(sent, 0)} events seeded (bench clock ${elapsed()})`);
  }
  return sent;
}

interface LatencyRun {
  p50: number;
  p90: number;
  items: number;
  readUnits: number;
}

/**
 * p50/p90 of GET /api/stats?period=30d over HTTP for two sites, their requests interleaved
 * (which goes first alternates), with and without the day cache.
 */
async function statsLatency(...sites: [string, string]): Promise<Record<'warm' | 'cold', [LatencyRun, LatencyRun]>> {
  const once = async (site: string) => {
    const t = performance.now();
    const response = await fetch(`${stack.url}/api/stats?site_id=${site}&period=30d`);
    const body = (await response.json()) as { data: { meta: { items_read: number } } };
    if (response.status !== 200) throw new Error(`stats answered ${response.status}`);
    return { ms: performance.now() - t, items: body.data.meta.items_read };
  };
  const RUNS = 31;
  const measure = async (): Promise<[LatencyRun, LatencyRun]> => {
    const runs: { site: string; items: number; readUnits: number; samples: number[] }[] = [];
    for (const site of sites) {
      for (let i = 0; i < 3; i++) await once(site);
      const recorder = record(getDocumentClient(), storeEndpoint);
      const { items } = await once(site).finally(() => recorder.detach());
      const readUnits = readUnitsOf(recorder);
      runs.push({ site, items, readUnits, samples: [] });
    }
    for (let i = 0; i < RUNS; i++) {
      for (const run of i % 2 ? [...runs].reverse() : runs) run.samples.push((await once(run.site)).ms);
    }
    const [a, b] = runs.map(({ items, readUnits, samples }) => ({ p50: percentile(samples, 50), p90: percentile(samples, 90), items, readUnits }));
    return [a!, b!];
  };
  const warm = await measure();
  process.env.LIVEINSIGHT_STATS_CACHE = 'off';
  try {
    return { warm, cold: await measure() };
  } finally {
    delete process.env.LIVEINSIGHT_STATS_CACHE;
  }
}
