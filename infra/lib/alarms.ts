import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { FunctionSpec } from '@liveinsight/collector/functions';
import type { TableId } from '@liveinsight/collector/tables';
import { FUNCTIONS, type FunctionId, isStreamConsumer } from './functions.js';
import { ARCHIVE_BUFFERING } from './archive-delivery.js';
import { acknowledge } from './nag.js';

const PERIOD = Duration.minutes(5);

/** The collector normally answers in tens of milliseconds; seconds mean retries and backoff. */
export const DURATION_THRESHOLD_MS = 5_000;

/** The product's promise: the stats are at most 2 minutes behind the traffic. */
export const ITERATOR_AGE_THRESHOLD_MS = 2 * 60_000;

/**
 * A record normally waits for its partition's buffer (ARCHIVE_BUFFERING, 5 minutes) and the
 * transformation's (1 minute); three buffers' worth means deliveries are failing and
 * retried. The stream keeps a record 24 h: a delivery stuck longer loses it.
 */
export const ARCHIVE_FRESHNESS_THRESHOLD_S = 3 * ARCHIVE_BUFFERING.intervalInSeconds;

export interface LiveInsightAlarmsProps {
  readonly stage: string;
  readonly functions: Record<FunctionId, IFunction>;
  readonly api: RestApi;
  readonly tables: Record<TableId, Table>;
  /** The sessions index whose throttling back-pressures every session write. */
  readonly activityIndex: string;
  /** Where the consumer's event source mapping sends the batches it gave up on. */
  readonly consumerFailures: IQueue;
  /** The Firehose stream that fills the event archive. */
  readonly archiveDelivery: CfnDeliveryStream;
  /** Subscribes this address to a new topic. */
  readonly alarmEmail?: string;
  /** Or notifies an existing topic. */
  readonly alarmTopicArn?: string;
}

/**
 * The original deployment's alarms, one per function for errors (it had three
 * functions; /api/sites, admin, the stream consumer, query and the archive's
 * transformation make eight), API 4xx and 5xx, DynamoDB throttling of the tables and of
 * the ActivityIndex, and the collector's duration; for the events stream, the consumer's
 * lag (IteratorAge) and the batches it gave up on; and how far the archive's delivery is
 * behind; with an SNS topic when an e-mail address or topic is given. Missing data is not
 * breaching: no traffic is fine.
 */
export class LiveInsightAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: ITopic;

  constructor(scope: Construct, id: string, props: LiveInsightAlarmsProps) {
    super(scope, id);
    const name = (suffix: string) => `liveinsight-${props.stage}-${suffix}`;

    for (const [fnId, fn] of Object.entries(props.functions) as [FunctionId, IFunction][]) {
      // The API handlers answer their faults as 500s (the API alarm), so their Errors count
      // crashes, timeouts and out-of-memory kills; the consumer has no caller to answer and
      // throws when a batch cannot be counted (storage unavailable), which counts too. A
      // session it reports as a failed item is not an error: its lag and the queue tell.
      this.add(`${fnId}Errors`, {
        name: name(`${fnId}-errors`),
        description: isStreamConsumer(fnId)
          ? `The stream consumer ${fnId} failed a batch (it threw, or it crashed, timed out or ran out of memory); Lambda retries it, halved, and the rest of its shard waits. See its log group.`
          : (FUNCTIONS[fnId] as FunctionSpec).archive === 'transform'
            ? `The archive transformation ${fnId} failed (crash, timeout or out of memory); Firehose retries the records, then writes them under errors/ in the archive bucket instead of events/. See its log group and the delivery stream's.`
            : `The ${fnId} function failed (crash, timeout or out of memory). See its log group.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        threshold: 1,
      });
    }

    const stage = props.api.deploymentStage;
    this.add('Api5xx', {
      name: name('api-5xx'),
      description: 'API Gateway answered 5xx: storage unavailable (503) or a fault in a handler.',
      metric: stage.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 5,
    });
    this.add('Api4xx', {
      name: name('api-4xx'),
      description:
        'More than a quarter of API requests were refused (4xx) for 15 minutes: a broken tracker or dashboard deploy, a wrong key, or abuse.',
      // The average of a 0/1 metric is the share of requests that got a 4xx.
      metric: stage.metricClientError({ period: PERIOD, statistic: Stats.AVERAGE }),
      threshold: 0.25,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });

    const throttleMetrics = (tableName: string, dimensions: Record<string, string> = {}): IMetric[] =>
      ['ReadThrottleEvents', 'WriteThrottleEvents'].map(
        (metricName) =>
          new Metric({
            namespace: 'AWS/DynamoDB',
            metricName,
            dimensionsMap: { TableName: tableName, ...dimensions },
            period: PERIOD,
            statistic: Stats.SUM,
          }),
      );
    const tableMetrics = Object.values(props.tables).flatMap((table) => throttleMetrics(table.tableName));
    const tableNames = new Intl.ListFormat('en', { type: 'disjunction' }).format(Object.keys(props.tables));
    this.add('TableThrottles', {
      name: name('dynamodb-table-throttles'),
      description: `DynamoDB throttled reads or writes on the ${tableNames} table (hot partition).`,
      metric: sum(tableMetrics),
      threshold: 1,
    });
    this.add('IndexThrottles', {
      name: name('dynamodb-index-throttles'),
      description: `DynamoDB throttled the ${props.activityIndex}; a throttled index also throttles writes to the sessions table.`,
      metric: sum(
        throttleMetrics(props.tables.sessions.tableName, { GlobalSecondaryIndexName: props.activityIndex }),
      ),
      threshold: 1,
    });

    this.add('CollectorDuration', {
      name: name('events-duration'),
      description: `The collector's p99 duration stayed above ${DURATION_THRESHOLD_MS} ms for 15 minutes (Kinesis or DynamoDB retries, backoff or throttling).`,
      metric: props.functions.events.metricDuration({ period: PERIOD, statistic: Stats.p(99) }),
      threshold: DURATION_THRESHOLD_MS,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });

    const consumer = props.functions.aggregate;
    this.add('ConsumerIteratorAge', {
      name: name('aggregate-iterator-age'),
      description: `The stream consumer was handed records more than ${ITERATOR_AGE_THRESHOLD_MS / 60_000} minutes old in 3 of the last 5 minutes: the stats are further behind than promised (a failing or slow batch holds its shard back, or the consumer is throttled). See the aggregate function's log group and errors.`,
      // The age of the newest record of a batch when Lambda read it, the maximum over all
      // batches and shards: how far the counting lags the stream. One-minute periods,
      // because the promise is in minutes.
      metric: consumer.metric('IteratorAge', { period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
      threshold: ITERATOR_AGE_THRESHOLD_MS,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    this.add('ConsumerFailures', {
      name: name('aggregate-failures'),
      description:
        'The stream consumer gave up on a batch after its retries: its records are not counted. The queue message names the shard and sequence numbers; replay them from the stream within its 24 h retention, then delete the message.',
      metric: props.consumerFailures.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: Stats.MAXIMUM,
      }),
      threshold: 0,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // One message is lost data: no waiting for a second period.
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    });

    this.add('ArchiveFreshness', {
      name: name('archive-freshness'),
      description: `The oldest record in the archive's Firehose stream was more than ${ARCHIVE_FRESHNESS_THRESHOLD_S / 60} minutes old for 15 minutes: deliveries to the archive bucket or the transformation are failing and retried. The events stream keeps records 24 h; a delivery stuck longer loses them from the archive (the stats are not affected). See the delivery stream's log group and the archive function's.`,
      metric: new Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: props.archiveDelivery.ref },
        period: PERIOD,
        statistic: Stats.MAXIMUM,
      }),
      threshold: ARCHIVE_FRESHNESS_THRESHOLD_S,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });

    if (props.alarmTopicArn) {
      this.topic = Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn);
    } else if (props.alarmEmail) {
      const topic = new Topic(this, 'Topic', {
        displayName: `LiveInsight ${props.stage} alarms`,
        enforceSSL: true,
      });
      topic.addSubscription(new EmailSubscription(props.alarmEmail));
      acknowledge(
        topic,
        'AwsSolutions-SNS2',
        'Alarm notifications carry alarm names and states, no visitor data. CloudWatch cannot publish to a topic encrypted with the AWS managed key, and a customer managed key would cost $1/month for no gain.',
      );
      this.topic = topic;
    }
    if (this.topic) {
      const action = new SnsAction(this.topic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  private add(
    id: string,
    options: {
      name: string;
      description: string;
      metric: IMetric;
      threshold: number;
      comparison?: ComparisonOperator;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): void {
    this.alarms.push(
      new Alarm(this, id, {
        alarmName: options.name,
        alarmDescription: options.description,
        metric: options.metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // Two bad periods out of three: one transient blip does not page anyone.
        evaluationPeriods: options.evaluationPeriods ?? 3,
        datapointsToAlarm: options.datapointsToAlarm ?? 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}

function sum(metrics: IMetric[]): MathExpression {
  return new MathExpression({
    expression: `SUM([${metrics.map((_, i) => `m${i}`).join(', ')}])`,
    usingMetrics: Object.fromEntries(metrics.map((metric, i) => [`m${i}`, metric])),
    period: PERIOD,
  });
}
