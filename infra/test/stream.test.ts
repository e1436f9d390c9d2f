import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] };

describe('events stream', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    resources = template.toJSON().Resources;
  });

  const only = (type: string): Resource => {
    const found = Object.values(resources).filter((r) => r.Type === type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };

  it('is one on-demand Kinesis stream, encrypted with the AWS managed key, kept 24 h', () => {
    const stream = only('AWS::Kinesis::Stream');
    expect(stream.Properties).toEqual({
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    // No shard count in on-demand mode; `cdk destroy` removes it rather than leave it billing.
    expect(stream.DeletionPolicy).toBe('Delete');
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('provisions the shard count that context streamShards names', () => {
    const provisioned = synthesize({ context: { streamShards: '24' } }).template.toJSON().Resources as Record<string, Resource>;
    const streams = Object.values(provisioned).filter((r) => r.Type === 'AWS::Kinesis::Stream');
    expect(streams).toHaveLength(1);
    expect(streams[0]!.Properties).toMatchObject({ StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 24, RetentionPeriodHours: 24 });
  });

  it('feeds the consumer through one event source mapping, in shard order, with partial batch failures', () => {
    const mapping = only('AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.stream.stream), 'Arn'] },
      FunctionName: { Ref: logicalId(stack, stack.functions.aggregate) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      // One batch per shard at a time: the consumer's exactly-once counting needs it.
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Finite: a poison batch must not hold its shard until the records expire.
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 24 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, stack.stream.failures), 'Arn'] } },
      },
    });
  });

  it('creates the mapping only once the consumer may read the stream and send to the queue', () => {
    // The mapping names the function, which depends on its role's policy (the grants).
    const fn = resources[logicalId(stack, stack.functions.aggregate)]!;
    const policy = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::IAM::Policy' &&
        r.Properties.Roles.some((role: { Ref: string }) => role.Ref === logicalId(stack, stack.functions.aggregate.role!)),
    )![0];
    expect(fn.DependsOn).toContain(policy);
  });

  it('sends given-up batches to an encrypted, SSL-only queue that keeps them 14 days', () => {
    const queue = only('AWS::SQS::Queue');
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const policy = only('AWS::SQS::QueuePolicy');
    expect(policy.Properties.Queues).toEqual([{ Ref: logicalId(stack, stack.stream.failures) }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('keeps the raw events in the stream alone: no DynamoDB table for them', () => {
    expect(Object.keys(stack.tables).sort()).toEqual(['keys', 'sessions', 'sites', 'stats']);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      const keys = (table.Properties.KeySchema as { AttributeName: string }[]).map((key) => key.AttributeName);
      expect(keys).not.toContain('session_key');
      expect(keys).not.toContain('event_key');
    }
  });
});
