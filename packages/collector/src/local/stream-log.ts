/**
 * The local stand-in for Kinesis and Lambda's event source mapping: an append-only log per
 * shard under the data dir, and a loop per shard that hands its records to the same
 * consumer handler Lambda runs (handlers/aggregate.ts), with the same batches, retries,
 * bisect and checkpoints (stream/delivery.ts).
 *
 * Durable across kill -9: put() answers only once its lines are written and fsynced, and
 * a shard's checkpoint (the last record done) is replaced atomically (write, fsync,
 * rename). After a crash the loop resumes after the checkpoint, so records may be handed
 * over again, which the consumer is built for; a torn last line (the crash came mid-write,
 * before put answered) is cut off. Records given up on go to `failed.ndjson`, the on-failure
 * destination, and are put back on the stream at the next start.
 *
 *   {dir}/shard-{n}.ndjson       one record per line: {s: sequence, k: partition key, a: arrival ms, d: data}
 *   {dir}/shard-{n}.checkpoint   the sequence number of the last record done
 *   {dir}/failed.ndjson          records given up on
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StorageUnavailableError } from '../errors.js';
import { deliver, type Consumer } from '../stream/delivery.js';
import type { EventsStream } from '../stream/events-stream.js';
import type { StreamRecord } from '../stream/record.js';
import { shardIndex, shardName, type StoredRecord } from '../stream/sequence.js';

export interface StreamLog extends EventsStream {
  /** Resolves once every record put before the call is done (or after `timeoutMs`). */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Records waiting for the consumer. */
  pending(): number;
  close(): Promise<void>;
}

export const LOCAL_SHARDS = 4;
/** Records per consumer call: Lambda's batch size in infra. */
const BATCH_SIZE = 500;
/** A consumed log past this many bytes is emptied (its sequence numbers live on in the checkpoint). */
const COMPACT_BYTES = 4 * 1024 * 1024;
/** Pause before a shard tries again after the disk refused its bookkeeping. */
const IO_RETRY_MS = 1_000;

interface LogLine {
  s: string;
  k: string;
  a: number;
  d: string;
}

interface Shard {
  index: number;
  file: string;
  checkpointFile: string;
  fd: number;
  bytes: number;
  next: bigint;
  pending: StoredRecord[];
  done: bigint;
}

export function openStreamLog(dir: string, consume: Consumer, shards = LOCAL_SHARDS): StreamLog {
  mkdirSync(dir, { recursive: true });
  const list = Array.from({ length: shards }, (_, index) => openShard(dir, index));
  const failedFile = join(dir, 'failed.ndjson');
  const waiters = new Set<() => void>();
  const sleepers = new Set<() => void>();
  let closed = false;
  const wake = () => {
    for (const sleeper of sleepers) sleeper();
    sleepers.clear();
  };

  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const append = (records: readonly StreamRecord[]) => {
    const touched = new Set<Shard>();
    const added: [Shard, StoredRecord][] = [];
    const now = Date.now();
    for (const record of records) {
      const shard = list[shardIndex(record.partitionKey, shards)]!;
      const stored: StoredRecord = { ...record, sequenceNumber: String(shard.next++), arrivedAt: now };
      const line = `${JSON.stringify({ s: stored.sequenceNumber, k: stored.partitionKey, a: stored.arrivedAt, d: stored.data } satisfies LogLine)}\n`;
      shard.bytes += writeSync(shard.fd, line);
      touched.add(shard);
      added.push([shard, stored]);
    }
    for (const shard of touched) fsyncSync(shard.fd);
    // Only once durable are they handed to the consumer.
    for (const [shard, stored] of added) shard.pending.push(stored);
    wake();
  };

  const giveUp = (record: StoredRecord, error: unknown) => {
    const line = `${JSON.stringify({ s: record.sequenceNumber, k: record.partitionKey, a: record.arrivedAt, d: record.data } satisfies LogLine)}\n`;
    const fd = openSync(failedFile, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    console.error(JSON.stringify({ level: 'error', msg: 'stream record given up; kept in failed.ndjson and put back at the next start', seq: record.sequenceNumber, error: String(error) }));
  };

  const runShard = async (shard: Shard) => {
    while (!closed) {
      if (!shard.pending.length) {
        await new Promise<void>((resolve) => sleepers.add(resolve));
        continue;
      }
      const batch = shard.pending.slice(0, BATCH_SIZE);
      let done: number;
      try {
        done = await deliver(shardName(shard.index), batch, consume, { retries: 10, onGiveUp: giveUp });
        if (done) writeCheckpoint(shard, batch[done - 1]!.sequenceNumber);
      } catch (error) {
        // The disk refused a checkpoint or failed.ndjson: the batch stays pending and is
        // delivered again after a pause, which the consumer's gates make harmless.
        console.error(JSON.stringify({ level: 'error', msg: 'stream shard could not record its progress; retrying', shard: shard.index, error: String(error) }));
        await new Promise<void>((resolve) => setTimeout(resolve, IO_RETRY_MS).unref());
        continue;
      }
      if (!done) continue;
      const last = batch[done - 1]!;
      shard.pending.splice(0, done);
      shard.done = BigInt(last.sequenceNumber);
      if (!shard.pending.length && shard.bytes > COMPACT_BYTES) {
        try {
          truncateSync(shard.file, 0);
          shard.bytes = 0;
        } catch {
          // Compaction only saves disk; the next consumed batch tries again.
        }
      }
      notify();
    }
  };

  // What an earlier run gave up on goes back on the stream (the consumer skips what it counted).
  if (existsSync(failedFile)) {
    const redrive = parseLines(readFileSync(failedFile, 'utf8')).lines.map((line) => ({ partitionKey: line.k, data: line.d }));
    if (redrive.length) append(redrive);
    rmSync(failedFile);
  }
  const loops = list.map((shard) => runShard(shard));

  return {
    async put(records) {
      try {
        append(records);
      } catch (error) {
        // A full disk or a read-only data dir: the request is answered 503 and retried.
        throw new StorageUnavailableError('The local events log cannot be written; please retry', { cause: error });
      }
    },
    pending: () => list.reduce((sum, shard) => sum + shard.pending.length, 0),
    caughtUp(timeoutMs = 10_000) {
      const targets = list.map((shard) => shard.next - 1n);
      const reached = () => list.every((shard, i) => shard.done >= targets[i]! || !shard.pending.length);
      if (reached()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        function finish() {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        function check() {
          if (reached()) finish();
        }
        waiters.add(check);
      });
    },
    async close() {
      closed = true;
      wake();
      notify();
      await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      for (const shard of list) closeSync(shard.fd);
    },
  };
}

function openShard(dir: string, index: number): Shard {
  const file = join(dir, `shard-${index}.ndjson`);
  const checkpointFile = join(dir, `shard-${index}.checkpoint`);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const { lines, goodBytes } = parseLines(text);
  // A torn last line: the crash came before its put answered, so no one was told it is stored.
  if (goodBytes < Buffer.byteLength(text)) truncateSync(file, goodBytes);
  const checkpoint = existsSync(checkpointFile) ? BigInt(readFileSync(checkpointFile, 'utf8').trim() || '0') : 0n;
  const last = lines.length ? BigInt(lines[lines.length - 1]!.s) : 0n;
  const pending = lines
    .filter((line) => BigInt(line.s) > checkpoint)
    .map((line) => ({ partitionKey: line.k, data: line.d, sequenceNumber: line.s, arrivedAt: line.a }));
  return {
    index,
    file,
    checkpointFile,
    fd: openSync(file, 'a'),
    bytes: goodBytes,
    next: (last > checkpoint ? last : checkpoint) + 1n,
    pending,
    done: checkpoint,
  };
}

function parseLines(text: string): { lines: LogLine[]; goodBytes: number } {
  const lines: LogLine[] = [];
  let goodBytes = 0;
  for (const raw of text.split('\n').slice(0, -1)) {
    try {
      lines.push(JSON.parse(raw) as LogLine);
    } catch {
      break;
    }
    goodBytes += Buffer.byteLength(raw) + 1;
  }
  return { lines, goodBytes };
}

function writeCheckpoint(shard: Shard, sequenceNumber: string): void {
  const temporary = `${shard.checkpointFile}.tmp`;
  writeFileSync(temporary, sequenceNumber);
  const fd = openSync(temporary, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, shard.checkpointFile);
}
