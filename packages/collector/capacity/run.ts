/**
 * Runs the capacity model: one sample per scenario, plus a quiet one (batches of one
 * record) for the bills of small sites, each extrapolated and checked; prints the report.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CONSUMER_MEMORY_MB, extrapolate, LIMITS, monthCost, SCENARIOS, sampleShape, type Scenario, type ScenarioResult } from './model.js';
import { runSample } from './sample.js';

/** An event line is ~0.35 KB: the first guess of a record's size, before the sample measures it. */
const ESTIMATED_EVENT_BYTES = 350;

const QUIET: Scenario = { name: 'a quiet site (cost only)', sites: 1, eventsPerSecond: 4, eventsPerRequest: 10, concurrentSessions: 80, newSessionShare: 0.3, botShare: 0.05, burst: true, warm: true };

export interface ModelRun {
  results: ScenarioResult[];
  quiet: ScenarioResult;
  ok: boolean;
  report: string;
}

/** `timing: false` (the fast form in npm test) takes the consumer's CPU from the recorded sample itself. */
export async function runModel(options: { requests: number; seed: number; timing?: boolean; log?: (line: string) => void }): Promise<ModelRun> {
  const store = await startStore();
  const log = options.log ?? (() => {});
  try {
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const shape = sampleShape(scenario, options.requests, options.seed, ESTIMATED_EVENT_BYTES * scenario.eventsPerRequest);
      log(`sampling "${scenario.name}": ${shape.requests} requests, ${shape.concurrentSessions} sessions, ${shape.shards} shards, batches of ${shape.batchSize}`);
      const recorded = await runSample(shape, store.endpoint);
      const timing = options.timing === false ? recorded : await runSample({ ...shape, requests: Math.min(shape.requests, 4 * shape.shards * shape.batchSize) }, store.endpoint, { record: false });
      results.push(extrapolate(scenario, recorded, timing));
    }
    const quietShape = sampleShape(QUIET, Math.min(400, options.requests), options.seed + 1, ESTIMATED_EVENT_BYTES * QUIET.eventsPerRequest);
    log(`sampling "${QUIET.name}": ${quietShape.requests} requests, batches of ${quietShape.batchSize}`);
    const quiet = extrapolate(QUIET, await runSample(quietShape, store.endpoint));
    const ok = results.every((r) => r.ok) && quiet.checks.capacity.ok && quiet.checks.truth.ok;
    return { results, quiet, ok, report: report(results, quiet, options) };
  } finally {
    await store.close();
  }
}

/** dynalite in a child process, so that the consumer's CPU measured here is its own. */
async function startStore(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const script = fileURLToPath(new URL('../bench/store-process.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const usd = (value: number) => `$${value < 10 ? value.toFixed(2) : n(value)}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(results: ScenarioResult[], quiet: ScenarioResult, options: { requests: number; seed: number }): string {
  const out: string[] = ['LiveInsight capacity model (a model: real ingest and consumer code on dynalite, extrapolated to AWS\'s documented limits and us-east-1 prices)', ''];
  for (const r of results) {
    const s = r.scenario;
    out.push(`## ${s.name}: ${n(s.eventsPerSecond)} events/s, ${n(r.stream.requestsPerSecond)} requests/s, ${s.sites} site(s), ${n(s.concurrentSessions)} concurrent sessions${s.burst ? ', at the starting capacity' : ''}`);
    out.push('');
    out.push(
      table(
        ['key family', 'kind', 'ops', 'keys', 'B p50', 'B p99', 'WCU/s', 'RCU/s', 'hot WCU/s', 'hot RCU/s', 'limit', 'headroom', 'sk only ↑', 'verdict'],
        r.families.map((f) => [
          f.family,
          f.kind,
          n(f.ops),
          n(f.keys),
          n(f.bytesP50),
          n(f.bytesP99),
          n(f.wcuPerS),
          n(f.rcuPerS),
          n(f.hotWcuPerS, 1),
          n(f.hotRcuPerS, 1),
          `${n(LIMITS.keyWcu)}/${n(LIMITS.keyRcu)}`,
          pct(1 - f.load),
          f.onlyIncreasing ? 'yes' : 'no',
          f.ok ? 'ok' : 'HOT',
        ]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['table', 'WCU/s', 'RCU/s', 'of a new on-demand table (4,000 WCU/s, 12,000 RCU/s)'],
        r.tables.map((t) => [t.table, n(t.wcuPerS), n(t.rcuPerS), pct(t.startLoad)]),
      ),
    );
    out.push('');
    out.push(
      `stream: ${r.stream.shards} shards${s.burst ? ' (an on-demand stream\'s start)' : ' (on demand keeps twice the peak)'}, ${n(r.stream.recordsPerShard)} records/s and ${n(r.stream.bytesPerShard / 1024, 1)} KB/s per shard ` +
        `(records ${n(r.stream.recordBytes)} B on average): ${pct(r.stream.load)} of a shard's 1 MB/s or 1,000 records/s → ${r.stream.ok ? 'ok' : 'OVER'}`,
    );
    out.push(
      `consumer: batches of ${r.stream.batchSize}, ${n(r.consumer.batchesPerMinutePerShard)} per minute per shard × ${n(r.consumer.batchMs)} ms each (${n(r.consumer.cpuMs)} ms of CPU measured here ÷ Lambda's share at ${n(CONSUMER_MEMORY_MB)} MB, plus 6 ms per round of 16 of its ${n(r.consumer.calls)} DynamoDB calls) = ${pct(r.consumer.load)} of each shard's minute → ${r.consumer.ok ? 'ok' : `BEHIND (it would take at least ${r.consumer.shardsNeeded} shards)`}`,
    );
    out.push(`per event: ${n(r.perEvent.writeUnits, 2)} write units, ${n(r.perEvent.readUnits, 2)} read units`);
    out.push(
      `checks: recorded ${n(r.checks.capacity.recorded)} write units by the size rules, the store reported ${n(r.checks.capacity.reported)} → ${r.checks.capacity.ok ? 'match' : 'MISMATCH'}; ` +
        `rollups vs what was sent: ${r.checks.truth.ok ? `equal for ${r.sample.truth.sites.size} site(s)` : r.checks.truth.mismatches.slice(0, 3).join('; ')}`,
    );
    out.push(`verdict: ${r.ok ? 'holds' : 'DOES NOT HOLD'}`);
    out.push('');
  }
  const all = [quiet, ...results];
  out.push('## cost per month (a model; excludes CloudFront, S3, logs, data transfer)');
  out.push('');
  const bills = [1e6, 1e8, 1e10].map((events) => monthCost(events, all));
  const services = Object.keys(bills[0]!.items);
  out.push(
    table(
      ['service', ...bills.map((b) => `${n(b.events / 1e6)}M events (batches of ${b.batchSize})`)],
      [...services.map((service) => [service, ...bills.map((b) => usd(b.items[service]!))]), ['total', ...bills.map((b) => usd(b.total))]],
    ),
  );
  out.push('');
  out.push(`provenance: commit ${gitCommit()}, seed ${options.seed}, ${options.requests} requests per scenario sample (scale: the sample's sessions over the target's: ${results.map((r) => `1:${n(r.scenario.concurrentSessions / r.sample.shape.concurrentSessions)}`).join(', ')}), Node ${process.version}, dynalite ${version('dynalite')}, @aws-sdk/client-dynamodb ${version('@aws-sdk/client-dynamodb')}`);
  return out.join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function version(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}
