/**
 * The archive on local disk: the same layout and format as the bucket in AWS
 * (`site=<site>/day=<YYYY-MM-DD>/`, newline-delimited JSON), under
 * `LIVEINSIGHT_DATA_DIR/archive/`. Locally the writer is fed by the stream log's delivery
 * loop, before the counting consumer (local/server.ts): a batch delivered again is
 * appended again, and readers drop the duplicates by event id, as they do for Firehose's.
 *
 * Each process appends to files of its own (`part-<start>-<pid>.ndjson`), as Firehose
 * writes objects of its own: a line torn by a crash is never appended to, and readers
 * skip it. An append returns once the kernel has its lines, so a SIGKILL loses none (the
 * kill test checks it); they are not fsynced, like the embedded store's writes: an OS
 * crash or a power cut can lose the last ones (docs/collector.md, "Limits, honestly").
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { archiveRecordsOf } from './transform.js';
import { partitionPath, recordDay, type ArchiveRecord } from './record.js';

export interface LocalArchive {
  readonly dir: string;
  append(records: readonly ArchiveRecord[]): void;
  /** What a batch of the stream adds: its records, archived. */
  appendBatch(event: KinesisStreamEvent): void;
  close(): void;
}

const OPEN_FILES = 64;

export function openLocalArchive(dir: string): LocalArchive {
  mkdirSync(dir, { recursive: true });
  const part = `part-${Date.now()}-${process.pid}.ndjson`;
  const files = new Map<string, number>();
  const fileOf = (partition: string): number => {
    let fd = files.get(partition);
    if (fd !== undefined) return fd;
    if (files.size >= OPEN_FILES) {
      const [oldest, oldFd] = files.entries().next().value!;
      closeSync(oldFd);
      files.delete(oldest);
    }
    const folder = join(dir, partition);
    mkdirSync(folder, { recursive: true });
    fd = openSync(join(folder, part), 'a');
    files.set(partition, fd);
    return fd;
  };
  const append = (records: readonly ArchiveRecord[]) => {
    const byPartition = new Map<string, string[]>();
    for (const record of records) {
      const partition = partitionPath(record.site, recordDay(record));
      let lines = byPartition.get(partition);
      if (!lines) byPartition.set(partition, (lines = []));
      lines.push(`${JSON.stringify(record)}\n`);
    }
    for (const [partition, lines] of byPartition) {
      const fd = fileOf(partition);
      writeSync(fd, lines.join(''));
    }
  };
  return {
    dir,
    append,
    appendBatch(event) {
      const records = event.Records.flatMap((r) => archiveRecordsOf(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).records);
      if (records.length) append(records);
    },
    close() {
      for (const fd of files.values()) closeSync(fd);
      files.clear();
    },
  };
}
