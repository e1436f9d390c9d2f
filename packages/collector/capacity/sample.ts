/**
 * One sample of the capacity model: generated traffic through the real ingest (the
 * service behind POST /api/events, body parsing included) and the real consumer, against
 * dynalite, with every DynamoDB request recorded. Records go to per-shard queues and are
 * handed to the consumer in batches of the size Lambda would form at the target rate, so
 * that what a batch collapses (one write per rollup item) is what it collapses at scale.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../src/lib/concurrency.js';
import { DAY_MS, dayLabel } from '../src/lib/time.js';
import { aggregate } from '../src/service/aggregate.js';
import { ingest } from '../src/service/ingest.js';
import { createSite } from '../src/service/site-admin.js';
import { getDocumentClient, resetDocumentClient } from '../src/store/client.js';
import { ensureTablesAt } from '../src/store/create-tables.js';
import { dayPkOfLabel, totalKeys } from '../src/store/keys.js';
import { TABLES, tableName } from '../src/store/tables.js';
import { deliver } from '../src/stream/delivery.js';
import { setEventsStream } from '../src/stream/events-stream.js';
import type { StreamRecord } from '../src/stream/record.js';
import { shardIndex, shardName, type StoredRecord } from '../src/stream/sequence.js';
import { generateTraffic, type GroundTruth, type TrafficShape } from './generator.js';
import { record, type RecordedRequest } from './recorder.js';

export interface SampleShape extends TrafficShape {
  /** Stream shards, and records per consumer batch, as at the target rate. */
  shards: number;
  batchSize: number;
  /**
   * Requests sent before recording starts, so that a steady peak is measured in its steady
   * state (the day's items and caps exist, the consumer's caches are warm); 0 for a launch.
   */
  warmupRequests: number;
}

export interface BatchMeasure {
  records: number;
  sessions: number;
  calls: number;
  cpuMs: number;
}

export interface SampleResult {
  shape: SampleShape;
  requests: RecordedRequest[];
  batches: BatchMeasure[];
  /** Requests answered, events accepted, records put and their bytes. */
  ingested: { requests: number; events: number; records: number; recordBytes: number[] };
  /** Virtual seconds the sample spans. */
  durationS: number;
  truth: GroundTruth;
  /** Per site, what the rollups hold, to compare with the truth. */
  counted: Map<string, { pageviews: number; events: number; sessions: number; visitors: number }>;
}

/** Runs one sample on the store at `endpoint` (tables of its own). */
export async function runSample(shape: SampleShape, endpoint: string, options: { record: boolean } = { record: true }): Promise<SampleResult> {
  process.env.DYNAMODB_ENDPOINT = endpoint;
  const suffix = randomUUID().slice(0, 8);
  for (const def of Object.values(TABLES)) process.env[def.envVar] = `capacity-${def.id}-${suffix}`;
  resetDocumentClient();
  await ensureTablesAt(endpoint);

  const { requests: traffic, truth } = generateTraffic({ ...shape, requests: shape.warmupRequests + shape.requests });
  // As in AWS, where sites are registered by an admin (with their hostname) before traffic comes.
  await mapLimit([...truth.sites.keys()], 8, (site) => createSite({ site_id: site, hostnames: [site] }));
  const queues = Array.from({ length: shape.shards }, () => [] as StoredRecord[]);
  const sequence = new Array<number>(shape.shards).fill(0);
  const recordBytes: number[] = [];
  setEventsStream({
    put: async (records: readonly StreamRecord[]) => {
      for (const r of records) {
        const shard = shardIndex(r.partitionKey, shape.shards);
        queues[shard]!.push({ ...r, sequenceNumber: String(4_960_000_000 + ++sequence[shard]!), arrivedAt: Date.now() });
        recordBytes.push(Buffer.byteLength(r.partitionKey) + Buffer.byteLength(r.data));
      }
    },
  });
  // Unrecorded, a sample measures the consumer's own CPU (the recorder's reads around every write cost CPU too).
  let recorder: { requests: RecordedRequest[]; detach: () => void } = { requests: [], detach: () => {} };
  let recording = false;
  const batches: BatchMeasure[] = [];
  const consume = async (all: boolean) => {
    for (let shard = 0; shard < shape.shards; shard++) {
      const queue = queues[shard]!;
      while (queue.length >= shape.batchSize || (all && queue.length)) {
        const batch = queue.splice(0, shape.batchSize);
        const calls = recorder.requests.length;
        const cpu = process.cpuUsage();
        const done = await deliver(shardName(shard), batch, aggregate, { retries: 5, backoffBaseMs: 5 });
        const used = process.cpuUsage(cpu);
        if (done !== batch.length) throw new Error(`the consumer stopped at record ${done} of a batch of ${batch.length}`);
        if (recording) batches.push({
          records: batch.length,
          sessions: new Set(batch.map((r) => r.partitionKey)).size,
          calls: recorder.requests.slice(calls).filter((r) => r.op !== 'index write').length,
          cpuMs: (used.user + used.system) / 1000,
        });
      }
    }
  };
  let events = 0;
  let recordBytesFrom = 0;
  try {
    // Requests go in rounds of one batch per shard, 8 in flight, as a fleet of collectors would.
    const round = shape.shards * shape.batchSize;
    for (let start = 0; start < traffic.length; start += round) {
      if (!recording && start >= shape.warmupRequests) {
        recording = true;
        events = 0;
        recordBytesFrom = recordBytes.length;
        if (options.record) recorder = record(getDocumentClient(), endpoint);
      }
      await mapLimit(traffic.slice(start, start + round), 8, async (request) => {
        const answer = await ingest(request.body, {
          receivedAt: Date.now(),
          userAgent: request.userAgent,
          forwardedFor: request.address,
          country: request.country,
          trusted: false,
        });
        events += answer.accepted;
      });
      await consume(false);
    }
    await consume(true);
  } finally {
    recorder.detach();
    setEventsStream(undefined);
  }

  const counted = new Map<string, { pageviews: number; events: number; sessions: number; visitors: number }>();
  const days = [dayLabel(Date.now() - DAY_MS), dayLabel(Date.now())];
  for (const site of truth.sites.keys()) {
    const sum = { pageviews: 0, events: 0, sessions: 0, visitors: 0 };
    for (const day of days) {
      for (const sk of totalKeys()) {
        const { Item } = await getDocumentClient().send(new GetCommand({ TableName: tableName('stats'), Key: { pk: dayPkOfLabel(site, day), sk }, ConsistentRead: true }));
        sum.pageviews += Number(Item?.pv ?? 0);
        sum.events += Number(Item?.ev ?? 0);
        sum.sessions += Number(Item?.se ?? 0);
        sum.visitors += Number(Item?.vi ?? 0);
      }
    }
    counted.set(site, sum);
  }
  const times = traffic.map((r) => r.at);
  const round = shape.shards * shape.batchSize;
  // Recording starts at the first round boundary at or after the warm-up.
  const measuredFrom = Math.min(traffic.length, Math.ceil(shape.warmupRequests / round) * round);
  return {
    shape,
    requests: recorder.requests,
    batches,
    ingested: { requests: traffic.length - measuredFrom, events, records: recordBytes.length - recordBytesFrom, recordBytes: recordBytes.slice(recordBytesFrom) },
    durationS: Math.max(...times) - Math.min(...times.slice(measuredFrom)),
    truth,
    counted,
  };
}
