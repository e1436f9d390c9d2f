import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { StorageUnavailableError } from '../errors.js';
import { backoffMs, sleep } from '../lib/concurrency.js';
import { EVENTS_STREAM } from '../store/tables.js';
import type { StreamRecord } from './record.js';

/** Where POST /api/events puts its records: Kinesis in AWS, a local stand-in elsewhere. */
export interface EventsStream {
  /** Resolves once every record is durably on the stream; throws StorageUnavailableError otherwise. */
  put(records: readonly StreamRecord[]): Promise<void>;
}

let installed: EventsStream | undefined;

/**
 * The stream of this process: Kinesis when EVENTS_STREAM names one (AWS), else the one
 * the local stack or a test installed (setEventsStream).
 */
export function eventsStream(): EventsStream {
  if (installed) return installed;
  const name = process.env[EVENTS_STREAM.envVar];
  if (!name) throw new Error(`No events stream: set ${EVENTS_STREAM.envVar}, or install a local one (setEventsStream)`);
  installed = kinesisStream(name);
  return installed;
}

let local = false;

/** Installs a local stand-in (tests, the local stack), whose reads wait for its consumer. */
export function setEventsStream(stream: EventsStream | undefined): void {
  installed = stream;
  local = stream !== undefined;
}

export const localStreamInstalled = (): boolean => local;

/** PutRecords takes at most 500 records (and 5 MB) per call. */
const PUT_RECORDS_MAX = 500;
const PUT_ATTEMPTS = 4;

function kinesisStream(streamName: string): EventsStream {
  const client = new KinesisClient({ maxAttempts: 3 });
  return {
    async put(records) {
      for (let i = 0; i < records.length; i += PUT_RECORDS_MAX) {
        let pending = records.slice(i, i + PUT_RECORDS_MAX);
        // PutRecords is not all-or-nothing: resend just the records it refused (throttled shards).
        for (let attempt = 0; pending.length; attempt++) {
          if (attempt >= PUT_ATTEMPTS) throw new StorageUnavailableError(`${pending.length} records not taken by the stream; please retry`);
          if (attempt) await sleep(backoffMs(attempt, 50, 1_000));
          let output;
          try {
            output = await client.send(
              new PutRecordsCommand({
                StreamName: streamName,
                Records: pending.map((record) => ({ PartitionKey: record.partitionKey, Data: Buffer.from(record.data, 'utf8') })),
              }),
            );
          } catch (error) {
            throw new StorageUnavailableError('The events stream is unavailable; please retry', { cause: error });
          }
          const refused = pending.filter((_, index) => output.Records?.[index]?.ErrorCode);
          pending = refused;
        }
      }
    },
  };
}
