import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_INDEX } from '@liveinsight/collector/tables';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

type Alarm = { Properties: Record<string, any> };

const alarmsOf = (template: Template) =>
  Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>).map((alarm) => [
      alarm.Properties.AlarmName as string,
      alarm.Properties,
    ]),
  );

/** The metrics a math alarm sums, as "MetricName TableName-logical-id [index]". */
const summedMetrics = (alarm: Record<string, any>) =>
  (alarm.Metrics as any[])
    .filter((m) => m.MetricStat)
    .map((m) => {
      const dims = Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d: any) => [d.Name, d.Value]));
      return [m.MetricStat.Metric.MetricName, dims.TableName.Ref, dims.GlobalSecondaryIndexName].filter(Boolean).join(' ');
    })
    .sort();

describe('alarms', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let alarms: Record<string, Record<string, any>>;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    alarms = alarmsOf(template);
  });

  it('raises the original eight alarms, one each for the /api/sites, admin, consumer, query, export and transformation functions, two for the stream and one for the archive', () => {
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'liveinsight-dev-events-errors',
        'liveinsight-dev-realtime-errors',
        'liveinsight-dev-stats-errors',
        'liveinsight-dev-sites-errors',
        'liveinsight-dev-admin-errors',
        'liveinsight-dev-query-errors',
        'liveinsight-dev-export-errors',
        'liveinsight-dev-archive-errors',
        'liveinsight-dev-aggregate-errors',
        'liveinsight-dev-api-4xx',
        'liveinsight-dev-api-5xx',
        'liveinsight-dev-dynamodb-table-throttles',
        'liveinsight-dev-dynamodb-index-throttles',
        'liveinsight-dev-events-duration',
        'liveinsight-dev-aggregate-iterator-age',
        'liveinsight-dev-aggregate-failures',
        'liveinsight-dev-archive-freshness',
      ].sort(),
    );
    // The flush is gone, and so is its alarm.
    expect(JSON.stringify(alarms)).not.toMatch(/flush/i);
  });

  it('watches the Errors metric of each function', () => {
    for (const id of ['events', 'realtime', 'stats', 'sites', 'admin', 'query', 'export', 'archive', 'aggregate'] as const) {
      expect(alarms[`liveinsight-dev-${id}-errors`]).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Threshold: 1,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions[id]) } }],
      });
    }
    // The consumer has no caller to answer: a failed batch throws, and its alarm says so.
    expect(alarms['liveinsight-dev-aggregate-errors']!.AlarmDescription).toContain('failed a batch');
    // Firehose retries the transformation, then keeps the records under errors/.
    expect(alarms['liveinsight-dev-archive-errors']!.AlarmDescription).toContain('errors/');
  });

  it('alarms when the archive\'s delivery is 15 minutes behind for 15 minutes (Firehose DataFreshness)', () => {
    expect(alarms['liveinsight-dev-archive-freshness']).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: logicalId(stack, stack.archiveDelivery.deliveryStream) } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('alarms when the consumer lags more than the promised 2 minutes (IteratorAge)', () => {
    expect(alarms['liveinsight-dev-aggregate-iterator-age']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions.aggregate) } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 120_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
  });

  it('alarms on the first batch the consumer gives up on (a message in its failure queue)', () => {
    expect(alarms['liveinsight-dev-aggregate-failures']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, stack.stream.failures), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  it('watches the API stage for 5xx counts and the share of 4xx', () => {
    const stage = { Name: 'Stage', Value: { Ref: logicalId(stack, stack.api.restApi.deploymentStage) } };
    expect(alarms['liveinsight-dev-api-5xx']).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Sum',
      Dimensions: expect.arrayContaining([stage]),
    });
    expect(alarms['liveinsight-dev-api-4xx']).toMatchObject({
      MetricName: '4XXError',
      Statistic: 'Average',
      Threshold: 0.25,
      Dimensions: expect.arrayContaining([stage]),
    });
  });

  it('sums read and write throttles of the four tables in one alarm and of the ActivityIndex in another', () => {
    const tables = (['sessions', 'stats', 'keys', 'sites'] as const).map((id) => logicalId(stack, stack.tables[id]));
    expect(summedMetrics(alarms['liveinsight-dev-dynamodb-table-throttles']!)).toEqual(
      tables.flatMap((table) => [`ReadThrottleEvents ${table}`, `WriteThrottleEvents ${table}`]).sort(),
    );
    expect(alarms['liveinsight-dev-dynamodb-table-throttles']!.AlarmDescription).toContain('sessions, stats, keys, or sites table');
    expect(summedMetrics(alarms['liveinsight-dev-dynamodb-index-throttles']!)).toEqual([
      `ReadThrottleEvents ${tables[0]} ${ACTIVITY_INDEX}`,
      `WriteThrottleEvents ${tables[0]} ${ACTIVITY_INDEX}`,
    ]);
  });

  it('watches the collector\'s p99 duration', () => {
    expect(alarms['liveinsight-dev-events-duration']).toMatchObject({
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions.events) } }],
    });
  });

  it('treats missing data as fine and explains every alarm', () => {
    for (const alarm of Object.values(alarms)) {
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmDescription.length).toBeGreaterThan(20);
    }
  });

  it('notifies no one unless asked', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toBeUndefined();
  });
});

describe('alarms with -c alarmEmail', () => {
  it('creates an SSL-only topic with the e-mail subscription and sends every alarm and recovery to it', () => {
    const { template, stack } = synthesize({ context: { alarmEmail: 'ops@example.com' } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const topic = { Ref: logicalId(stack, stack.alarms.topic!) };
    const alarms = Object.values(alarmsOf(template));
    expect(alarms).toHaveLength(17);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0]!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });
});

describe('alarms with -c alarmTopicArn', () => {
  it('sends every alarm to the existing topic and creates none', () => {
    const arn = 'arn:aws:sns:us-east-1:123456789012:ops';
    const { template } = synthesize({ context: { alarmTopicArn: arn } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarmsOf(template))) expect(alarm.AlarmActions).toEqual([arn]);
  });
});
