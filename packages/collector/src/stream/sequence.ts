import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { fnv1a } from '../lib/hash.js';
import type { StreamRecord } from './record.js';

/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits that grow within a
 * shard. As a sortable string (for DynamoDB conditions, which compare strings byte by
 * byte): the length of its base-36 form in two digits, then that form.
 */
export function sequenceTag(sequenceNumber: string): string {
  const base36 = BigInt(sequenceNumber).toString(36);
  return `${String(base36.length).padStart(2, '0')}${base36}`;
}

export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The shard a Lambda record came from: its eventID is `{shardId}:{sequenceNumber}`. */
export function shardOf(record: KinesisStreamRecord): string {
  return record.eventID.slice(0, record.eventID.lastIndexOf(':'));
}

/** A short, stable name for a shard, for attribute names. */
export function shardTag(shardId: string): string {
  return fnv1a(shardId).toString(36);
}

/** The shard a partition key goes to among `shards`, for the local stand-ins of Kinesis. */
export function shardIndex(partitionKey: string, shards: number): number {
  return fnv1a(partitionKey) % shards;
}

export const shardName = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

export interface StoredRecord extends StreamRecord {
  sequenceNumber: string;
  /** When the stream took it, ms. */
  arrivedAt: number;
}

/** The event Lambda hands a Kinesis consumer, built from records of one shard (the local stand-ins). */
export function kinesisEvent(shardId: string, records: readonly StoredRecord[], streamName = 'local'): KinesisStreamEvent {
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: Buffer.from(record.data, 'utf8').toString('base64'),
        approximateArrivalTimestamp: record.arrivedAt / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: 'local',
      eventSourceARN: `arn:aws:kinesis:local:000000000000:stream/${streamName}`,
    })),
  };
}
