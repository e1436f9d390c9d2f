/**
 * The archive's numbers for `npm run bench`: what the archive writer adds to ingest, the
 * archive's bytes per million events (gzipped, as Firehose writes them), and the answer
 * time of a query with two filters and one dimension over 30 days of one site with
 * 1,000,000 archived events, on DuckDB as the local stack runs it. The archive is written
 * directly with the archive writer (not through HTTP), with a seeded mix of pages,
 * countries, browsers and sources.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openLocalArchive } from '../src/archive/local-archive.js';
import { partitionPath, type ArchiveRecord } from '../src/archive/record.js';
import { DAY_MS, dayLabel } from '../src/lib/time.js';
import { duckdbEngine } from '../src/query/duckdb-engine.js';
import { parseQuery } from '../src/query/request.js';
import { buildQuery } from '../src/query/sql.js';

const EVENTS = Number(process.env.BENCH_ARCHIVE_EVENTS ?? 1_000_000);
const DAYS = 30;
const SITE = 'bench-archive.example';

function* mix(seed: number, from: number): Generator<ArchiveRecord> {
  let state = seed;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() ** 2 * list.length)]!;
  const countries = ['US', 'DE', 'GB', 'FR', 'IN', 'SE', 'BR', 'JP', 'CA', 'NL', 'ES', 'IT', 'PL', 'AU', 'KR'];
  const browsers = ['Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet'];
  const referrers = ['', 'google.com', 'news.ycombinator.com', 'reddit.com', 'bing.com', 'duckduckgo.com', 't.co', 'github.com'];
  const pages = Array.from({ length: 400 }, (_, i) => (i ? `/blog/post-${i}` : '/'));
  let n = 0;
  for (let session = 0; n < EVENTS; session++) {
    const start = from + Math.floor(random() * DAYS * DAY_MS);
    const visitor = `v${Math.floor(random() * EVENTS * 0.2)}`;
    const country = pick(countries);
    const browser = pick(browsers);
    const referrer = pick(referrers);
    const views = 1 + Math.floor(random() * 4);
    for (let v = 0; v < views && n < EVENTS; v++, n++) {
      yield {
        site: SITE, id: `e${n}`, session_id: `s${session}`, visitor, time: start + v * 30_000, kind: 'pageview', name: 'page_view',
        path: pick(pages), hostname: SITE, referrer: v ? '' : referrer, utm_source: '', utm_medium: '', utm_campaign: '',
        browser, os: browser === 'Safari' ? 'iOS' : 'Windows', device: browser === 'Safari' ? 'mobile' : 'desktop', country, props: {}, engaged_ms: null, scroll: null,
      };
    }
  }
}

export async function reportArchive(log: (line?: string) => void, ingest: { events: number; seconds: number; withoutArchiveSeconds: number }): Promise<void> {
  const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const dir = mkdtempSync(join(tmpdir(), 'liveinsight-archive-bench-'));
  try {
    const archiveDir = join(dir, 'archive');
    // What the writer adds to ingest: the ingest run's events, appended in batches of 10 as the delivery loop hands them over.
    const small = openLocalArchive(join(dir, 'small'));
    const sample = [...mix(3, Date.now() - DAY_MS)].slice(0, ingest.events);
    const t0 = performance.now();
    for (let i = 0; i < sample.length; i += 10) small.append(sample.slice(i, i + 10));
    const appendSeconds = (performance.now() - t0) / 1000;
    small.close();
    log(`   ingest (section 2's traffic again, warm, 8 in flight) with the archive ${fmt(ingest.seconds, 2)} s (mean of a run before and one after), without ${fmt(ingest.withoutArchiveSeconds, 2)} s: ` +
      `${fmt(((ingest.seconds - ingest.withoutArchiveSeconds) / ingest.withoutArchiveSeconds) * 100, 1)} % (target ≤ 5 %; the archive is written by the stream's delivery loop, off the request path)`);
    log(`   the archive writer alone: ${ingest.events.toLocaleString('en-US')} events in batches of 10 (written, not fsynced), in ${fmt(appendSeconds * 1000, 0)} ms of one core`);

    const from = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAYS * DAY_MS;
    const writer = openLocalArchive(archiveDir);
    const t1 = performance.now();
    let batch: ArchiveRecord[] = [];
    for (const record of mix(11, from)) {
      batch.push(record);
      if (batch.length === 5_000) {
        writer.append(batch);
        batch = [];
      }
    }
    if (batch.length) writer.append(batch);
    writer.close();
    const writeSeconds = (performance.now() - t1) / 1000;
    let bytes = 0;
    let firstDayBytes = 0;
    let firstDayGzipped = 0;
    for (let day = from; day < from + DAYS * DAY_MS; day += DAY_MS) {
      const folder = join(archiveDir, partitionPath(SITE, dayLabel(day)));
      for (const file of readdirSync(folder)) {
        const size = statSync(join(folder, file)).size;
        bytes += size;
        if (day !== from) continue;
        firstDayBytes += size;
        firstDayGzipped += gzipSync(readFileSync(join(folder, file))).length;
      }
    }
    const gzipPerMillion = (firstDayGzipped / firstDayBytes) * bytes * (1_000_000 / EVENTS);
    log(`   archive: ${EVENTS.toLocaleString('en-US')} events over ${DAYS} days written in ${fmt(writeSeconds, 1)} s; ${fmt(bytes / 1e6, 0)} MB of NDJSON = ` +
      `${fmt((bytes / EVENTS) * 1e6 / 1e6, 0)} MB per million events, ${fmt(gzipPerMillion / 1e6, 1)} MB per million gzipped (a day's files gzipped, scaled)`);

    const engine = duckdbEngine(archiveDir, { cacheDir: join(dir, 'cache') });
    const plan = parseQuery(
      { site_id: SITE, date_range: [dayLabel(from), dayLabel(from + (DAYS - 1) * DAY_MS)], metrics: ['visitors', 'pageviews', 'bounce_rate'], dimensions: ['event:page'], filters: [['is', 'visit:country', ['DE']], ['is', 'visit:browser', ['Chrome']]] },
      Date.now(),
    );
    const timed = async () => {
      const t = performance.now();
      await engine.prepare!(plan.siteId, plan.from, plan.to);
      const rows = await engine.run(buildQuery(plan, engine.dialect));
      return { ms: performance.now() - t, rows: rows.length };
    };
    const cold = await timed();
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) warm.push((await timed()).ms);
    warm.sort((a, b) => a - b);
    log(`   query, 2 filters + 1 dimension, 30 days, ${EVENTS.toLocaleString('en-US')} events (DuckDB): first ${fmt(cold.ms, 0)} ms (writes the closed days' Parquet copies), ` +
      `then p50 ${fmt(warm[3]!, 0)} ms (min ${fmt(warm[0]!, 0)}, max ${fmt(warm[6]!, 0)}) over 7 runs, ${cold.rows} rows (target p50 ≤ 1,000 ms)`);
    engine.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
