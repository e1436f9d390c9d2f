import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, LogStream, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PARTITION_JQ, ARCHIVE_PREFIX } from '@liveinsight/collector/archive';
import { ERRORS_FOLDER, EVENTS_FOLDER } from './archive.js';
import { acknowledge } from './nag.js';

/**
 * How Firehose buffers a partition (one site's day) before it writes an object. 64 MB is
 * the least dynamic partitioning allows, and a site rarely fills it: the interval decides.
 * 300 s keeps the archive (and so the query API) at most about five minutes behind the
 * stream while writing at most 288 objects a day per site, few enough for Athena to list
 * and open a month of a site quickly; a shorter interval would mean many small objects,
 * which Athena reads slowly, a longer one a staler archive. Exported for the tests.
 */
export const ARCHIVE_BUFFERING = { sizeInMBs: 64, intervalInSeconds: 300 } as const;

/**
 * What the transformation is handed per invocation: 1 MB (Firehose's default) of
 * single-line records, well inside Lambda's 6 MB payload both ways (an archive line is
 * about the size of its stream line), or what came in 60 s, the least Firehose allows.
 */
export const TRANSFORM_BUFFERING = { sizeInMBs: 1, intervalInSeconds: 60, retries: 3 } as const;

export interface ArchiveDeliveryProps {
  /** The events stream the collector puts records on. */
  readonly stream: IStream;
  /** EventArchive's bucket. */
  readonly bucket: Bucket;
  /** The `archive` function: stream lines in, archive records out. */
  readonly transform: IFunction;
  readonly logRetention: RetentionDays;
}

/**
 * An Amazon Data Firehose stream that reads the events stream as a second consumer, next
 * to the aggregate function's mapping, and fills the archive: each Kinesis record (one
 * request's events, one JSON line each) is split into its lines, the `archive` function
 * turns each into an archive record, jq takes the site and UTC day from it (dynamic
 * partitioning, inline parsing), and Firehose appends the newline and writes gzip'd objects
 * under ARCHIVE_PREFIX; what it cannot transform or partition goes under
 * ARCHIVE_ERROR_PREFIX. The collector's request path is untouched: it still only puts
 * records on the stream.
 *
 * The L1 resource rather than the L2 DeliveryStream, whose grants are wider than
 * Firehose needs (read and write, delete included, on every key of the bucket; invoke on
 * every version of the function): the role here reads one stream, invokes one function
 * and writes under two prefixes of one bucket.
 */
export class ArchiveDelivery extends Construct {
  readonly deliveryStream: CfnDeliveryStream;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ArchiveDeliveryProps) {
    super(scope, id);
    const { stream, bucket, transform } = props;

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    // Made here, so that Firehose only needs to put events into it.
    const logStream = new LogStream(this, 'DeliveryLogs', {
      logGroup: this.logGroup,
      logStreamName: 'DestinationDelivery',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        // Only Firehose acting for this account's streams may assume it (AWS's trust policy for it).
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: 'Firehose: reads the events stream, transforms through the archive function, writes the archive (LiveInsight)',
    });
    // As a Kinesis source needs (AWS's policy for it). The stream's AWS managed key needs
    // no grant: aws/kinesis lets whoever may read the stream decrypt through it.
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
        resources: [stream.streamArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [transform.functionArn],
      }),
    );
    // As an S3 destination needs (AWS's policy for it), objects limited to the two prefixes.
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(`${EVENTS_FOLDER}*`), bucket.arnForObjects(`${ERRORS_FOLDER}*`)],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${this.logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    this.deliveryStream = new CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: stream.streamArn, roleArn: this.role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: ARCHIVE_PREFIX,
        errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
        compressionFormat: 'GZIP',
        bufferingHints: ARCHIVE_BUFFERING,
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            // A Kinesis record is one request's events, one JSON line each: split first.
            { type: 'RecordDeAggregation', parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }] },
            {
              type: 'Lambda',
              parameters: [
                { parameterName: 'LambdaArn', parameterValue: transform.functionArn },
                { parameterName: 'BufferSizeInMBs', parameterValue: String(TRANSFORM_BUFFERING.sizeInMBs) },
                { parameterName: 'BufferIntervalInSeconds', parameterValue: String(TRANSFORM_BUFFERING.intervalInSeconds) },
                { parameterName: 'NumberOfRetries', parameterValue: String(TRANSFORM_BUFFERING.retries) },
              ],
            },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: ARCHIVE_PARTITION_JQ },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            // One record per line in the objects: what the JSON SerDe and DuckDB read.
            { type: 'AppendDelimiterToRecord', parameters: [] },
          ],
        },
        // Delivery and transformation errors; records themselves never go to the log.
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
      },
    });
    // Firehose checks at creation that its role may read the stream: the policy first.
    this.deliveryStream.node.addDependency(this.role);

    const stack = Stack.of(this);
    const bucketArn = `<${stack.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>`;
    for (const folder of [EVENTS_FOLDER, ERRORS_FOLDER]) {
      acknowledge(
        this.role,
        `AwsSolutions-IAM5[Resource::${bucketArn}/${folder}*]`,
        `Firehose names each object it writes under ${folder} when it delivers (partition, time and a random suffix); the grant covers that one prefix of the archive bucket.`,
      );
    }
    acknowledge(
      this.deliveryStream,
      'AwsSolutions-KDF1',
      'A delivery stream with a Kinesis data stream source cannot take server-side encryption of its own (AWS only offers it for Direct PUT): Firehose keeps no data at rest, the records stay encrypted in the events stream (aws/kinesis) and land encrypted in the archive bucket (SSE-S3).',
    );
  }
}
