import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { type KinesisEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTS_STREAM } from '@liveinsight/collector/tables';
import { acknowledge } from './nag.js';

/**
 * How the consumer reads the stream, apart from the on-failure destination (the queue
 * below, added where the mapping is made). Exported for the tests.
 */
export const CONSUMER_SETTINGS = {
  // A new mapping starts with whatever the stream still holds: records put before the
  // consumer existed (a first deploy, a replaced mapping) are counted, not skipped.
  startingPosition: StartingPosition.TRIM_HORIZON,
  // Up to 500 records, or what came in 1 s: at the peak a batch fills well before the
  // second is over; when traffic is low the second bounds how late a record is counted.
  batchSize: 500,
  maxBatchingWindow: Duration.seconds(1),
  // REQUIRED to stay 1: the consumer's exactly-once counting relies on per-shard order,
  // one batch of a shard at a time. A session's stream position (`lseq`) and the
  // per-shard markers of the rollups (packages/collector/src/service/aggregate.ts) assume
  // that no later record of a shard is applied before an earlier one is done. A factor
  // above 1 runs several batches of one shard at once (ordered per partition key only),
  // which breaks that. Throughput grows with the on-demand stream's shards instead.
  parallelizationFactor: 1,
  // A failing batch is halved until the bad records are alone, and the handler reports
  // the first failed record of a session (ReportBatchItemFailures) so that Lambda
  // checkpoints before it rather than sending the whole batch again.
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  // Not infinite (the default, -1): a poison batch would block its shard, and every
  // later record of it, until its records expire. After ten retries (the halving above
  // has isolated the bad records by then) the batch's description goes to the queue and
  // the shard moves on. The cost: a storage outage longer than the retries drops batches
  // to the queue too, to be replayed by hand within the stream's retention.
  retryAttempts: 10,
  // The stream's own retention: a record is never given up on for its age alone while the
  // stream still holds it; the retries above are what bound a poison batch.
  maxRecordAge: Duration.hours(EVENTS_STREAM.retentionHours),
} as const satisfies Omit<KinesisEventSourceProps, 'onFailure'>;

/**
 * The spine between POST /api/events and the aggregation: a Kinesis data stream, and the
 * queue where the consumer's event source mapping records a batch it gave up on.
 *
 * On demand by default, so no shard count to size or resize: it scales with the writes (a
 * new on-demand stream takes 4 MB/s, 4,000 records/s, and doubles to the previous peak).
 * On demand scales for the writes, not for the consumer, which works one batch per shard
 * at a time: where the capacity model finds the consumer behind, `shards` provisions the
 * count it names (each shard-hour costs about half an on-demand one).
 * Encrypted with the AWS managed key (aws/kinesis), which needs no key policy or grant
 * for the producer and consumer. Kept 24 h, the minimum: records are consumed within
 * seconds, and longer retention is billed per shard-hour.
 */
export class EventsStream extends Construct {
  readonly stream: Stream;
  /**
   * The consumer's on-failure destination. Lambda puts there a description of the batch it
   * gave up on (shard, first and last sequence numbers, the error), not the records: a
   * replay reads them from the stream, so it has to happen within the stream's 24 h.
   */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: { shards?: number | undefined } = {}) {
    super(scope, id);
    this.stream = new Stream(this, 'Stream', {
      ...(props.shards ? { streamMode: StreamMode.PROVISIONED, shardCount: props.shards } : { streamMode: StreamMode.ON_DEMAND }),
      encryption: StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(EVENTS_STREAM.retentionHours),
      // It holds a day of transit, nothing that is not also counted in the tables; a
      // stream left behind by `cdk destroy` would be billed by the hour for nothing.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.failures = new Queue(this, 'ConsumerFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: the failure stays visible for whoever answers the
      // alarm, even if the records it names are gone from the stream by then.
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.failures,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination: the consumer\'s event source mapping sends it the batches it gave up on (OnFailure). Nothing consumes it automatically; its depth alarm calls a person.',
    );
  }
}
