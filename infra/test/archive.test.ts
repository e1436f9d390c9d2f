import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_COLUMNS,
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PARTITION_JQ,
  ARCHIVE_PARTITION_KEYS,
  ARCHIVE_PREFIX,
} from '@liveinsight/collector/archive';
import { ARCHIVE_ENV } from '@liveinsight/collector/functions';
import { FUNCTIONS, type FunctionId, type FunctionSpec } from '../lib/functions.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { grantsOfRole, logicalId, type Grant } from './support/iam.js';
import { synthesize } from './support/synth.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
/** The functions that read the archive through Athena. */
const READERS: FunctionId[] = ['query', 'export'];
/** What a function role has whatever it does: its log group, secrets and tables (functions.test.ts). */
const BASELINE = /^(logs|secretsmanager|dynamodb):/;
const ARCHIVE_SERVICES = /^(athena|glue|s3|firehose):/;
const GIB = 1024 * 1024 * 1024;

/** An ARN of this stack's region and account, as support/iam.ts describes it. */
const arn = (service: string, resource: string) => `arn:Ref:AWS::Partition:${service}:us-east-1:Ref:AWS::AccountId:${resource}`;

/** One grant per action and resource, sorted, so that two policies compare whatever their statement grouping. */
const flat = (grants: Grant[]) =>
  grants.flatMap((grant) => grant.actions.flatMap((action) => grant.resources.map((resource) => `${action} ${resource}`))).sort();

const bucketOf = (resources: Record<string, Resource>, id: string) => resources[id]!;
const lifecycle = (bucket: Resource) => bucket.Properties.LifecycleConfiguration.Rules as Record<string, any>[];

describe('event archive', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Record<string, Resource>;
  let ids: { bucket: string; results: string; stream: string; archiveFn: string; role: string };

  beforeAll(() => {
    ({ template, stack } = synthesize());
    resources = template.toJSON().Resources;
    ids = {
      bucket: logicalId(stack, stack.archive.bucket),
      results: logicalId(stack, stack.archive.resultsBucket),
      stream: logicalId(stack, stack.stream.stream),
      archiveFn: logicalId(stack, stack.functions.archive),
      role: logicalId(stack, stack.archiveDelivery.role),
    };
  });

  const only = (type: string): Resource => {
    const found = Object.values(resources).filter((r) => r.Type === type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };
  const fnProps = (id: FunctionId) => resources[logicalId(stack, stack.functions[id])]!.Properties;
  const grantsOf = (id: FunctionId) => grantsOfRole(template, logicalId(stack, stack.functions[id].role!));
  const policyStatements = (roleId: string): Statement[] =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);

  describe('Firehose', () => {
    let delivery: Resource;
    let destination: Record<string, any>;
    beforeAll(() => {
      delivery = only('AWS::KinesisFirehose::DeliveryStream');
      destination = delivery.Properties.ExtendedS3DestinationConfiguration;
    });

    it('reads the events stream as its source, with its own role', () => {
      expect(delivery.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
      expect(delivery.Properties.KinesisStreamSourceConfiguration).toEqual({
        KinesisStreamARN: { 'Fn::GetAtt': [ids.stream, 'Arn'] },
        RoleARN: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      });
      // Firehose checks at creation that the role may read the stream.
      const policy = Object.entries(resources).find(
        ([, r]) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === ids.role),
      )![0];
      expect(delivery.DependsOn).toContain(policy);
    });

    it('splits each record into its lines, transforms them with the archive function, partitions by jq, one line per record', () => {
      expect(destination.ProcessingConfiguration.Enabled).toBe(true);
      expect(destination.ProcessingConfiguration.Processors).toEqual([
        { Type: 'RecordDeAggregation', Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }] },
        {
          Type: 'Lambda',
          Parameters: [
            { ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': [ids.archiveFn, 'Arn'] } },
            { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
            { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
            { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
          ],
        },
        {
          Type: 'MetadataExtraction',
          Parameters: [
            { ParameterName: 'MetadataExtractionQuery', ParameterValue: ARCHIVE_PARTITION_JQ },
            { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
          ],
        },
        { Type: 'AppendDelimiterToRecord', Parameters: [] },
      ]);
      expect(FUNCTIONS.archive.archive).toBe('transform');
    });

    it('writes gzip\'d objects into the archive bucket under the collector\'s prefixes, dynamically partitioned', () => {
      expect(destination).toMatchObject({
        BucketARN: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
        RoleARN: { 'Fn::GetAtt': [ids.role, 'Arn'] },
        Prefix: ARCHIVE_PREFIX,
        ErrorOutputPrefix: ARCHIVE_ERROR_PREFIX,
        CompressionFormat: 'GZIP',
        DynamicPartitioningConfiguration: { Enabled: true },
        // 64 MB is dynamic partitioning's least; 5 minutes is how far the archive may lag.
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 300 },
        S3BackupMode: 'Disabled',
      });
      // The Glue table reads the same keys: events/site=<site>/day=<day>/.
      expect(ARCHIVE_PREFIX).toBe('events/site=!{partitionKeyFromQuery:site}/day=!{partitionKeyFromQuery:day}/');
    });

    it('logs delivery errors into a log group of its own with the retention', () => {
      const logging = destination.CloudWatchLoggingOptions;
      expect(logging.Enabled).toBe(true);
      expect(resources[logging.LogGroupName.Ref]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
      expect(resources[logging.LogStreamName.Ref]).toMatchObject({
        Type: 'AWS::Logs::LogStream',
        Properties: { LogGroupName: { Ref: logging.LogGroupName.Ref } },
      });
    });

    it('has a role that Firehose alone assumes, reading one stream, invoking one function, writing two prefixes of one bucket', () => {
      const role = resources[ids.role]!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'firehose.amazonaws.com' },
          Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logGroup = destination.CloudWatchLoggingOptions.LogGroupName.Ref as string;
      const logStream = destination.CloudWatchLoggingOptions.LogStreamName.Ref as string;
      expect(flat(grantsOfRole(template, ids.role))).toEqual(
        [
          ...['DescribeStream', 'GetShardIterator', 'GetRecords', 'ListShards'].map((a) => `kinesis:${a} ${ids.stream}`),
          `lambda:InvokeFunction ${ids.archiveFn}`,
          `lambda:GetFunctionConfiguration ${ids.archiveFn}`,
          ...['GetBucketLocation', 'ListBucket', 'ListBucketMultipartUploads'].map((a) => `s3:${a} ${ids.bucket}`),
          ...['events/*', 'errors/*'].flatMap((prefix) =>
            ['PutObject', 'GetObject', 'AbortMultipartUpload'].map((a) => `s3:${a} ${ids.bucket}/${prefix}`),
          ),
          `logs:PutLogEvents ${arn('logs', `log-group:Ref:${logGroup}:log-stream:Ref:${logStream}`)}`,
        ].sort(),
      );
      // Firehose writes where its prefixes say.
      expect(ARCHIVE_ERROR_PREFIX.startsWith('errors/')).toBe(true);
    });

    it('is invoked by nobody but Firehose: no resource policy on the archive function', () => {
      for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
        expect(JSON.stringify(permission.Properties.FunctionName)).not.toContain(ids.archiveFn);
      }
    });
  });

  describe('bucket', () => {
    it('is encrypted, private, SSL-only and versioned', () => {
      const bucket = bucketOf(resources, ids.bucket);
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === ids.bucket)!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('expires objects after 400 days by default, and deleted versions after 7', () => {
      const rules = lifecycle(bucketOf(resources, ids.bucket));
      expect(rules.filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([
        { Id: 'retention', Status: 'Enabled', ExpirationInDays: 400 },
      ]);
      expect(rules).toContainEqual(
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 }, ExpiredObjectDeleteMarker: true }),
      );
    });

    it('goes with a trial stage (emptied first), as the tables do', () => {
      expect(bucketOf(resources, ids.bucket).DeletionPolicy).toBe('Delete');
      expect(bucketOf(resources, ids.bucket).Properties.Tags).toContainEqual({ Key: 'aws-cdk:auto-delete-objects', Value: 'true' });
    });

    it('outputs its name and the workgroup\'s', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(outputs.ArchiveBucketName!.Value).toEqual({ Ref: ids.bucket });
      expect(outputs.AthenaWorkGroup!.Value).toBe('liveinsight-dev');
    });
  });

  describe('Glue table', () => {
    let table: Record<string, any>;
    beforeAll(() => {
      table = only('AWS::Glue::Table').Properties;
    });

    it('lives in the stage\'s database', () => {
      const database = only('AWS::Glue::Database');
      expect(database.Properties.DatabaseInput.Name).toBe('liveinsight_dev');
      expect(table.DatabaseName).toEqual({ Ref: logicalId(stack, stack.archive.database) });
      expect(table.TableInput.Name).toBe('events');
      expect(table.TableInput.TableType).toBe('EXTERNAL_TABLE');
    });

    it('has exactly the collector\'s archive columns, in order, and its partition keys', () => {
      const descriptor = table.TableInput.StorageDescriptor;
      expect(descriptor.Columns).toEqual(ARCHIVE_COLUMNS.map(({ name, type }) => ({ Name: name, Type: type })));
      expect(table.TableInput.PartitionKeys).toEqual(ARCHIVE_PARTITION_KEYS.map(({ name, type }) => ({ Name: name, Type: type })));
      expect(table.TableInput.PartitionKeys).toEqual([
        { Name: 'p_site', Type: 'string' },
        { Name: 'p_day', Type: 'string' },
      ]);
    });

    it('reads gzip\'d JSON lines under s3://<bucket>/events/', () => {
      expect(table.TableInput.StorageDescriptor).toMatchObject({
        Location: { 'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, '/events/']] },
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
      });
    });

    it('projects its partitions: the site injected, the day a date from 2020 to today, at the keys Firehose writes', () => {
      expect(table.TableInput.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.p_site.type': 'injected',
        'projection.p_day.type': 'date',
        'projection.p_day.format': 'yyyy-MM-dd',
        'projection.p_day.range': '2020-01-01,NOW',
        'projection.p_day.interval': '1',
        'projection.p_day.interval.unit': 'DAYS',
        'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, '/events/site=${p_site}/day=${p_day}/']] },
      });
      // Nothing registers partitions: no crawler.
      template.resourceCountIs('AWS::Glue::Crawler', 0);
    });
  });

  describe('Athena', () => {
    it('has a workgroup that enforces its settings and cuts a query off at 10 GiB scanned', () => {
      const workGroup = only('AWS::Athena::WorkGroup');
      expect(workGroup.Properties.Name).toBe('liveinsight-dev');
      expect(workGroup.Properties.WorkGroupConfiguration).toMatchObject({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * GIB,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: ids.results }, '/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      });
    });

    it('keeps results a day in a bucket of their own: encrypted, private, SSL-only', () => {
      expect(ids.results).not.toBe(ids.bucket);
      const results = bucketOf(resources, ids.results);
      expect(lifecycle(results).filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([
        expect.objectContaining({ ExpirationInDays: 1 }),
      ]);
      expect(results.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(Object.values(results.Properties.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === ids.results)!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(results.DeletionPolicy).toBe('Delete');
    });
  });

  describe('least privilege', () => {
    it('leaves the collector as it was: stream puts only, nothing of the archive', () => {
      const grants = grantsOf('events');
      const actions = grants.flatMap((grant) => grant.actions);
      expect(actions.filter((action) => ARCHIVE_SERVICES.test(action))).toEqual([]);
      expect(actions.filter((action) => action.startsWith('kinesis:')).sort()).toEqual([
        'kinesis:ListShards',
        'kinesis:PutRecord',
        'kinesis:PutRecords',
      ]);
      expect(grants.filter((grant) => grant.actions.some((a) => a.startsWith('kinesis:'))).flatMap((g) => g.resources)).toEqual([
        ids.stream,
      ]);
    });

    it('tells the query and export functions, and only them, where the archive is', () => {
      for (const id of READERS) {
        expect((FUNCTIONS[id] as FunctionSpec).archive).toBe('query');
        expect(fnProps(id).Environment.Variables).toMatchObject({
          [ARCHIVE_ENV.workgroup]: 'liveinsight-dev',
          [ARCHIVE_ENV.database]: 'liveinsight_dev',
          [ARCHIVE_ENV.table]: 'events',
          [ARCHIVE_ENV.bucket]: { Ref: ids.bucket },
        });
      }
      for (const id of FUNCTION_IDS.filter((id) => !READERS.includes(id))) {
        for (const name of Object.values(ARCHIVE_ENV)) expect(fnProps(id).Environment.Variables[name], `${id} ${name}`).toBeUndefined();
      }
    });

    it.each(READERS)('lets the %s function run queries in its workgroup, read its table and the events/ prefix, and use its results bucket: nothing more', (reader) => {
      const granted = flat(grantsOf(reader).filter((grant) => !grant.actions.some((action) => BASELINE.test(action))));
      expect(granted).toEqual(
        [
          ...['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'].map(
            (a) => `athena:${a} ${arn('athena', 'workgroup/liveinsight-dev')}`,
          ),
          ...['GetDatabase', 'GetTable', 'GetPartitions'].flatMap((a) =>
            ['catalog', 'database/liveinsight_dev', 'table/liveinsight_dev/events'].map((r) => `glue:${a} ${arn('glue', r)}`),
          ),
          `s3:GetBucketLocation ${ids.bucket}`,
          `s3:ListBucket ${ids.bucket}`,
          `s3:GetObject ${ids.bucket}/events/*`,
          `s3:GetBucketLocation ${ids.results}`,
          `s3:ListBucket ${ids.results}`,
          `s3:ListBucketMultipartUploads ${ids.results}`,
          ...['GetObject', 'PutObject', 'AbortMultipartUpload', 'ListMultipartUploadParts'].map((a) => `s3:${a} ${ids.results}/*`),
        ].sort(),
      );
      // Listing the archive is limited to events/ (errors/ holds what Firehose could not read).
      const listArchive = policyStatements(logicalId(stack, stack.functions[reader].role!)).find(
        (s) => [s.Action].flat().includes('s3:ListBucket') && JSON.stringify(s.Resource).includes(ids.bucket),
      )!;
      expect(listArchive.Condition).toEqual({ StringLike: { 's3:prefix': ['events/*'] } });
      // Nothing on the stream, Firehose or a queue; the tables are its spec's (functions.test.ts).
      const actions = grantsOf(reader).flatMap((grant) => grant.actions);
      expect(actions.filter((action) => /^(kinesis|firehose|sqs|lambda):/.test(action))).toEqual([]);
      expect(actions.some((action) => action.includes('*'))).toBe(false);
    });

    it('gives the archive function nothing but its log group: no table, no secret, no stream', () => {
      const grants = grantsOf('archive');
      expect(grants.flatMap((grant) => grant.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(grants.flatMap((grant) => grant.resources)).toEqual([logicalId(stack, stack.functions.archive.logGroup)]);
      expect(Object.keys(fnProps('archive').Environment.Variables)).toEqual(['NODE_OPTIONS']);
      expect(stack.consumer).toBeDefined();
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    });

    it('gives no other function anything of the archive', () => {
      for (const id of FUNCTION_IDS.filter((id) => !READERS.includes(id))) {
        const actions = grantsOf(id).flatMap((grant) => grant.actions);
        expect(actions.filter((action) => ARCHIVE_SERVICES.test(action)), id).toEqual([]);
      }
    });
  });
});

describe('event archive with -c archiveRetentionDays=0 -c deletionProtection=true -c stage=Prod-EU', () => {
  it('keeps objects for good, keeps the bucket through cdk destroy, and names Glue and Athena after the stage', () => {
    const { template, stack } = synthesize({
      context: { archiveRetentionDays: '0', deletionProtection: 'true', stage: 'Prod-EU' },
    });
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const bucket = bucketOf(resources, logicalId(stack, stack.archive.bucket));
    // No expiration of current objects; deleted versions still go after their week.
    expect(lifecycle(bucket).filter((rule) => rule.ExpirationInDays !== undefined || rule.ExpirationDate !== undefined)).toEqual([]);
    expect(lifecycle(bucket)).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }));
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.Tags ?? []).not.toContainEqual({ Key: 'aws-cdk:auto-delete-objects', Value: 'true' });
    // Query results are transient whatever the protection says.
    expect(bucketOf(resources, logicalId(stack, stack.archive.resultsBucket)).DeletionPolicy).toBe('Delete');
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'liveinsight_prod_eu' } });
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'liveinsight-Prod-EU' });
  });
});

describe('event archive with -c archiveRetentionDays=30 -c athenaBytesScannedLimitMb=1024', () => {
  it('expires objects after 30 days and cuts a query off at 1 GiB', () => {
    const { template, stack } = synthesize({ context: { archiveRetentionDays: '30', athenaBytesScannedLimitMb: '1024' } });
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const rules = lifecycle(bucketOf(resources, logicalId(stack, stack.archive.bucket)));
    expect(rules.filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([
      { Id: 'retention', Status: 'Enabled', ExpirationInDays: 30 },
    ]);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: GIB, EnforceWorkGroupConfiguration: true },
    });
  });
});
