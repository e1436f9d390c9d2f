/**
 * The capacity model: samples of the real pipeline (sample.ts), extrapolated per key
 * family to the target rates, against DynamoDB's, Kinesis's and Lambda's documented
 * limits and us-east-1 list prices. It is a model: the figures hold as far as the sample
 * resembles the traffic and AWS behaves as documented; nothing here ran on AWS.
 */
import { parseSortKey, PROGRESS_PK } from '../src/store/keys.js';
import { EVENTS_STREAM } from '../src/store/tables.js';
import type { RecordedRequest } from './recorder.js';
import type { SampleResult, SampleShape } from './sample.js';

export interface Scenario {
  name: string;
  sites: number;
  eventsPerSecond: number;
  eventsPerRequest: number;
  concurrentSessions: number;
  newSessionShare: number;
  botShare: number;
  /** A launch burst meets the stream's and tables' starting capacity, not what they scaled to. */
  burst: boolean;
  /** Measured in its steady state: the day's items exist and the consumer's caches are warm (not so at a launch). */
  warm: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'one site at its peak', sites: 1, eventsPerSecond: 10_000, eventsPerRequest: 10, concurrentSessions: 200_000, newSessionShare: 0.1, botShare: 0.05, burst: false, warm: true },
  { name: '1,000 sites of 10 events/s', sites: 1_000, eventsPerSecond: 10_000, eventsPerRequest: 10, concurrentSessions: 200_000, newSessionShare: 0.1, botShare: 0.05, burst: false, warm: true },
  { name: 'launch burst to 5,000 events/s in a minute', sites: 1, eventsPerSecond: 5_000, eventsPerRequest: 10, concurrentSessions: 60_000, newSessionShare: 0.5, botShare: 0.05, burst: true, warm: false },
];

/** Documented limits (DynamoDB, Kinesis Data Streams on demand). */
export const LIMITS = {
  keyWcu: 1_000,
  keyRcu: 3_000,
  tableStartWcu: 4_000,
  tableStartRcu: 12_000,
  shardBytes: 1024 * 1024,
  shardRecords: 1_000,
  streamStartShards: 4,
  batchMax: 500,
  /** The verdict's threshold: a key may use this share of its limit. */
  headroom: 0.8,
} as const;

/** us-east-1 list prices, USD (check the pricing pages: they change). */
export const PRICES = {
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  streamHour: 0.04,
  ingestGb: 0.08,
  retrievalGb: 0.04,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  restRequest: 3.5 / 1e6,
  alarm: 0.1,
} as const;

/** Lambda's CPU share at the consumer's memory (one vCPU at 1,769 MB); a core of this machine counts as one. */
export const CONSUMER_MEMORY_MB = EVENTS_STREAM.consumerMemoryMb;
const CONSUMER_CPU_SHARE = Math.min(1, CONSUMER_MEMORY_MB / 1769);
/** A DynamoDB request's round trip in the same region (a model, not measured). */
const ROUND_TRIP_MS = 6;
/** The events function's duration per request (a model: validation and one PutRecords). */
const EVENTS_FN_MS = 20;
const IN_FLIGHT = 16;

/** Where the target's traffic puts the stream: its shards and the consumer's batch size. */
export function streamShape(s: Scenario, recordBytes: number): { requestsPerSecond: number; shards: number; batchSize: number } {
  const requestsPerSecond = s.eventsPerSecond / s.eventsPerRequest;
  const needed = Math.max((requestsPerSecond * recordBytes) / LIMITS.shardBytes, requestsPerSecond / LIMITS.shardRecords);
  // On demand, a stream keeps room for twice its previous peak; a burst meets its start.
  const shards = s.burst ? LIMITS.streamStartShards : Math.max(LIMITS.streamStartShards, Math.ceil(2 * needed));
  // The batching window is 1 s: a batch holds what a shard took in a second, at most 500.
  const batchSize = Math.min(LIMITS.batchMax, Math.max(1, Math.round(requestsPerSecond / shards)));
  return { requestsPerSecond, shards, batchSize };
}

/** The sample's shape for a scenario: the target's pacing per session, its batches, fewer sessions. */
export function sampleShape(s: Scenario, requests: number, seed: number, recordBytes: number): SampleShape {
  const { requestsPerSecond, shards, batchSize } = streamShape(s, recordBytes);
  // Enough sessions that a batch spans less than half a session's interval, as at the target.
  const concurrentSessions = Math.min(s.concurrentSessions, Math.max(2 * batchSize * shards, Math.ceil(requests / 4)));
  return {
    seed,
    sites: s.sites,
    requests,
    concurrentSessions,
    requestIntervalS: s.concurrentSessions / requestsPerSecond,
    eventsPerRequest: s.eventsPerRequest,
    newSessionShare: s.newSessionShare,
    botShare: s.botShare,
    siteSkew: s.sites > 1 ? 0 : 1,
    shards,
    batchSize,
    // Whole rounds (a batch per shard), so that recording starts at a round's start.
    warmupRequests: s.warm ? Math.ceil(requests / (shards * batchSize)) * shards * batchSize : 0,
  };
}

type Kind = 'per request' | 'per entity' | 'until caps fill';

interface FamilyInfo {
  family: string;
  /** The key the limit applies to: an item, or a whole partition whose sort keys only increase. */
  key: string;
  kind: Kind;
  onlyIncreasing: boolean;
  partition: string;
}

/** Which family a recorded request belongs to, and which key its limit is counted on. */
export function classify(r: RecordedRequest): FamilyInfo {
  if (r.index) return { family: `sessions ${r.index}`, key: r.pk, kind: 'per request', onlyIncreasing: true, partition: r.pk };
  if (r.table === 'sessions') return { family: 'sessions item', key: r.pk, kind: 'per entity', onlyIncreasing: false, partition: r.pk };
  // Read once per process and minute (site registry, key checks): per process, not per request.
  if (r.table === 'sites' || r.table === 'keys') return { family: `${r.table} item`, key: r.pk, kind: 'per entity', onlyIncreasing: false, partition: r.pk };
  const pk = r.pk;
  const item = (family: string, kind: Kind = 'per request'): FamilyInfo => ({ family, key: `${pk} ${r.sk ?? ''}`, kind, onlyIncreasing: false, partition: pk });
  if (pk === PROGRESS_PK) return item('stats ~progress');
  if (pk.startsWith('~dropped#')) return item('stats ~dropped');
  if (pk.startsWith('~salt#')) return item('stats ~salt');
  if (pk.includes('#V#')) return item('stats visitor marker', 'per entity');
  if (pk.includes('#H#')) return item('stats hour total');
  if (pk.includes('#D#')) {
    if (!r.sk) return item('stats day bucket (query)');
    const family = parseSortKey(r.sk).family;
    // A cap item takes one claim per new value of its family and day, at most its cap (and
    // a refused claim per process once full): hot while the day's values first arrive, then quiet.
    if (family === 'cap') return item('stats day cap', 'until caps fill');
    return item(family.startsWith('total') ? 'stats day total' : `stats day ${family}`);
  }
  return item(`stats ${pk}`);
}

export interface FamilyRow {
  family: string;
  kind: Kind;
  ops: number;
  keys: number;
  bytesP50: number;
  bytesP99: number;
  wcuPerS: number;
  rcuPerS: number;
  hotWcuPerS: number;
  hotRcuPerS: number;
  onlyIncreasing: boolean;
  /** The hottest key's share of its limit. */
  load: number;
  ok: boolean;
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

export interface ScenarioResult {
  scenario: Scenario;
  sample: SampleResult;
  stream: ReturnType<typeof streamShape> & { recordBytes: number; bytesPerShard: number; recordsPerShard: number; load: number; ok: boolean };
  families: FamilyRow[];
  tables: { table: string; wcuPerS: number; rcuPerS: number; startLoad: number }[];
  consumer: { batchesPerMinutePerShard: number; cpuMs: number; calls: number; batchMs: number; load: number; ok: boolean; shardsNeeded: number };
  perEvent: { writeUnits: number; readUnits: number };
  checks: { capacity: { recorded: number; reported: number; ok: boolean }; truth: { mismatches: string[]; ok: boolean } };
  ok: boolean;
}

/** `timing`: the same scenario sampled without the recorder, for the consumer's CPU per batch. */
export function extrapolate(scenario: Scenario, sample: SampleResult, timing: SampleResult = sample): ScenarioResult {
  const recordBytes = mean(sample.ingested.recordBytes);
  // The sample's shards and batches (sized from an estimate of the record's bytes); the
  // stream's load below uses the bytes measured.
  const shape = { ...streamShape(scenario, recordBytes), shards: sample.shape.shards, batchSize: sample.shape.batchSize };
  // One sample request stands for this many target requests per second.
  const perRequest = shape.requestsPerSecond / sample.ingested.requests;
  const groups = new Map<string, { info: FamilyInfo; requests: RecordedRequest[] }>();
  for (const r of sample.requests) {
    const info = classify(r);
    let group = groups.get(info.family);
    if (!group) groups.set(info.family, (group = { info, requests: [] }));
    group.requests.push(r);
  }
  const families: FamilyRow[] = [];
  for (const [family, { info, requests }] of groups) {
    const perKey = new Map<string, { wcu: number; rcu: number }>();
    for (const r of requests) {
      const key = classify(r).key;
      const entry = perKey.get(key) ?? { wcu: 0, rcu: 0 };
      if (r.read) entry.rcu += r.units;
      else entry.wcu += r.units;
      perKey.set(key, entry);
    }
    const wcu = requests.filter((r) => !r.read).reduce((sum, r) => sum + r.units, 0);
    const rcu = requests.filter((r) => r.read).reduce((sum, r) => sum + r.units, 0);
    const hot = [...perKey.values()].reduce((a, b) => (b.wcu / LIMITS.keyWcu + b.rcu / LIMITS.keyRcu > a.wcu / LIMITS.keyWcu + a.rcu / LIMITS.keyRcu ? b : a));
    // A key of the request-rate kind (a site's totals, a hot page) takes more writes as the
    // traffic grows; an entity's key (a session, a visitor) keeps its own pace, and only
    // the number of entities grows.
    const hotScale = info.kind === 'per entity' ? 1 / Math.max(1, sample.durationS) : perRequest;
    const hotWcuPerS = hot.wcu * hotScale;
    const hotRcuPerS = hot.rcu * hotScale;
    let load = Math.max(hotWcuPerS / LIMITS.keyWcu, hotRcuPerS / LIMITS.keyRcu);
    // Bounded claims arrive as a burst of at most the cap's size, which DynamoDB's burst
    // capacity (up to 300 s of a partition's unused throughput) absorbs when it is over
    // within seconds: judged by the units it needs beyond the limit against 300 s of headroom.
    if (info.kind === 'until caps fill') load = Math.min(load, (hot.wcu + hot.rcu) / (LIMITS.keyWcu * 300));
    const sizes = requests.filter((r) => !r.read && r.op !== 'index write').map((r) => Math.max(r.bytesBefore, r.bytesAfter));
    families.push({
      family,
      kind: info.kind,
      ops: requests.length,
      keys: perKey.size,
      bytesP50: percentile(sizes, 0.5),
      bytesP99: percentile(sizes, 0.99),
      wcuPerS: wcu * perRequest,
      rcuPerS: rcu * perRequest,
      hotWcuPerS,
      hotRcuPerS,
      onlyIncreasing: info.onlyIncreasing,
      load,
      ok: load <= LIMITS.headroom,
    });
  }
  families.sort((a, b) => b.wcuPerS - a.wcuPerS);

  const tables = ['sessions', 'sessions ActivityIndex', 'stats'].map((table) => {
    const rows = sample.requests.filter((r) => (r.index ? `${r.table} ${r.index}` : r.table) === table);
    const wcuPerS = rows.filter((r) => !r.read).reduce((s, r) => s + r.units, 0) * perRequest;
    const rcuPerS = rows.filter((r) => r.read).reduce((s, r) => s + r.units, 0) * perRequest;
    return { table, wcuPerS, rcuPerS, startLoad: Math.max(wcuPerS / LIMITS.tableStartWcu, rcuPerS / LIMITS.tableStartRcu) };
  });

  const recordsPerShard = shape.requestsPerSecond / shape.shards;
  const bytesPerShard = recordsPerShard * recordBytes;
  const streamLoad = Math.max(bytesPerShard / LIMITS.shardBytes, recordsPerShard / LIMITS.shardRecords);

  // The consumer's time per batch: its CPU at Lambda's share, and its DynamoDB round trips
  // (16 in flight, in two phases: the sessions, then the rollups).
  const fullBatches = (s: SampleResult) => {
    const full = s.batches.filter((b) => b.records === s.shape.batchSize);
    return full.length ? full : s.batches;
  };
  const cpuMs = mean(fullBatches(timing).map((b) => b.cpuMs));
  const calls = mean(fullBatches(sample).map((b) => b.calls));
  const batchMs = cpuMs / CONSUMER_CPU_SHARE + (Math.ceil(calls / IN_FLIGHT) + 2) * ROUND_TRIP_MS;
  const batchesPerMinutePerShard = (60 * recordsPerShard) / shape.batchSize;
  const consumerLoad = (batchesPerMinutePerShard * batchMs) / 60_000;
  // Shards whose consumers would each stay within the headroom, at this batch's cost per
  // record: a lower bound, since smaller batches collapse fewer writes per record.
  const shardsNeeded = Math.ceil((shape.requestsPerSecond * (batchMs / shape.batchSize)) / (1000 * LIMITS.headroom));

  const writes = sample.requests.filter((r) => !r.read);
  const reported = writes.filter((r) => r.reported !== undefined);
  const recordedUnits = reported.reduce((s, r) => s + r.units, 0);
  const reportedUnits = reported.reduce((s, r) => s + r.reported!, 0);
  const mismatches: string[] = [];
  for (const [site, truth] of sample.truth.sites) {
    const got = sample.counted.get(site);
    if (JSON.stringify(got) !== JSON.stringify(truth)) mismatches.push(`${site}: counted ${JSON.stringify(got)}, sent ${JSON.stringify(truth)}`);
  }
  const capacityOk = Math.abs(recordedUnits - reportedUnits) <= Math.max(2, 0.02 * reportedUnits);
  const checks = { capacity: { recorded: recordedUnits, reported: reportedUnits, ok: capacityOk }, truth: { mismatches, ok: mismatches.length === 0 } };
  const events = sample.ingested.events;
  return {
    scenario,
    sample,
    stream: { ...shape, recordBytes, bytesPerShard, recordsPerShard, load: streamLoad, ok: streamLoad <= LIMITS.headroom },
    families,
    tables,
    consumer: { batchesPerMinutePerShard, cpuMs, calls, batchMs, load: consumerLoad, ok: consumerLoad <= LIMITS.headroom, shardsNeeded },
    perEvent: { writeUnits: writes.reduce((s, r) => s + r.units, 0) / events, readUnits: sample.requests.filter((r) => r.read).reduce((s, r) => s + r.units, 0) / events },
    checks,
    // Keys decide the verdict; the stream and the consumer's budget are reported beside them.
    ok: families.every((f) => f.ok) && streamLoad <= LIMITS.headroom && checks.capacity.ok && checks.truth.ok,
  };
}

export interface MonthCost {
  events: number;
  batchSize: number;
  items: Record<string, number>;
  total: number;
}

/**
 * A month's bill for `events`, from the units per request of the sample whose batches are
 * closest in size to what that volume forms (a quiet site's batches hold one record).
 */
export function monthCost(events: number, samples: readonly ScenarioResult[]): MonthCost {
  const seconds = 30.4 * 86_400;
  const requests = events / samples[0]!.scenario.eventsPerRequest;
  const rps = requests / seconds;
  const batchSize = Math.min(LIMITS.batchMax, Math.max(1, Math.round(rps / LIMITS.streamStartShards)));
  const distance = (r: ScenarioResult) => Math.abs(Math.log(r.sample.shape.batchSize / batchSize));
  const closest = samples.filter((r) => r.scenario.warm).sort((a, b) => distance(a) - distance(b))[0]!;
  const per = closest.sample.ingested.requests;
  const units = (read: boolean) => closest.sample.requests.filter((r) => r.read === read).reduce((s, r) => s + r.units, 0) / per;
  const recordBytes = mean(closest.sample.ingested.recordBytes);
  const batches = requests / batchSize;
  const items: Record<string, number> = {
    'DynamoDB writes': requests * units(false) * PRICES.writeUnit,
    'DynamoDB reads (consumer)': requests * units(true) * PRICES.readUnit,
    'Kinesis stream-hours': 730 * PRICES.streamHour,
    'Kinesis ingest (1 KB per record)': ((requests * Math.ceil(recordBytes / 1024)) / 1024 ** 2) * PRICES.ingestGb,
    'Kinesis retrieval': ((requests * recordBytes) / 1024 ** 3) * PRICES.retrievalGb,
    'API Gateway (REST)': requests * PRICES.restRequest,
    'Lambda events': requests * (PRICES.lambdaRequest + 0.25 * (EVENTS_FN_MS / 1000) * PRICES.lambdaGbSecond),
    'Lambda consumer': batches * (PRICES.lambdaRequest + (CONSUMER_MEMORY_MB / 1024) * (closest.consumer.batchMs / 1000) * PRICES.lambdaGbSecond),
    'CloudWatch alarms (10)': 10 * PRICES.alarm,
  };
  return { events, batchSize, items, total: Object.values(items).reduce((a, b) => a + b, 0) };
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
