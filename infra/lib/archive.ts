import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, type LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_ENV } from '@liveinsight/collector/functions';
import {
  ARCHIVE_COLUMNS,
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PARTITION_KEYS,
  ARCHIVE_PREFIX,
} from '@liveinsight/collector/archive';
import type { CollectorFunction } from './function.js';
import { acknowledge } from './nag.js';

/** The folder of the bucket that holds the records: the Glue table's location, the readers' only prefix. */
export const EVENTS_FOLDER = topFolder(ARCHIVE_PREFIX);
/** Where Firehose puts what it could not transform or partition. */
export const ERRORS_FOLDER = topFolder(ARCHIVE_ERROR_PREFIX);

/** The table's name in the stage's Glue database. */
export const ARCHIVE_TABLE = 'events';

/**
 * An object deleted or expired stays recoverable this long as a noncurrent version: the
 * archive is the only copy of the raw events (the stream keeps a day), so a mistaken
 * `aws s3 rm` can be undone within a week; after that it is gone for good.
 */
export const NONCURRENT_VERSION_DAYS = 7;

/** Athena's query results are read once, by the function that ran the query. */
export const RESULTS_EXPIRATION_DAYS = 1;

export interface EventArchiveProps {
  readonly stage: string;
  /** Days each archive object is kept; 0 keeps it for good. */
  readonly retentionDays: number;
  /** The workgroup's BytesScannedCutoffPerQuery, in MiB. */
  readonly bytesScannedLimitMb: number;
  /** Keeps the archive bucket (RETAIN, its objects untouched) when the stack is deleted: the tables' switch. */
  readonly deletionProtection?: boolean;
}

/**
 * The event archive the site owner owns and its query engine: a bucket of gzip'd
 * newline-delimited JSON, one object per Firehose delivery under
 * `events/site=<site>/day=<YYYY-MM-DD>/` (ArchiveDelivery fills it from the events stream),
 * a Glue table over it whose columns are the collector's ARCHIVE_COLUMNS, with the site and
 * day projected rather than registered (no crawler, no MSCK REPAIR: a new day is
 * queryable the moment its first object lands), and an Athena workgroup that caps what
 * one query may scan and keeps its results a day in a bucket of their own. The `query`
 * function is given all of it through `bindQuery`, and nothing else is.
 */
export class EventArchive extends Construct {
  readonly bucket: Bucket;
  readonly resultsBucket: Bucket;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  readonly workGroup: CfnWorkGroup;
  readonly databaseName: string;
  readonly tableName = ARCHIVE_TABLE;
  readonly workGroupName: string;
  /** What the query function's grants name. */
  private readonly arns: Record<'workGroup' | 'catalog' | 'database' | 'table', string>;

  constructor(scope: Construct, id: string, props: EventArchiveProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const lifecycleRules: LifecycleRule[] = [
      {
        id: 'noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
        // Firehose uploads large objects in parts; an upload it abandoned is billed until removed.
        abortIncompleteMultipartUploadAfter: Duration.days(1),
        // What the retention rule leaves once the versions under it are gone.
        expiredObjectDeleteMarker: true,
      },
      // The retention the owner chose; with 0 nothing expires and the archive grows for good.
      ...(props.retentionDays > 0 ? [{ id: 'retention', expiration: Duration.days(props.retentionDays) }] : []),
    ];
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-S3: no key to pay for or grant to Firehose, Athena and the query function.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Firehose never rewrites a key; versions only matter when something deletes one.
      versioned: true,
      lifecycleRules,
      // As the tables: a protected stage keeps its archive through `cdk destroy`, a trial
      // stage takes it along (emptied first, every version included).
      ...(props.deletionProtection
        ? { removalPolicy: RemovalPolicy.RETAIN }
        : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }),
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'Only Firehose writes here and only the query function (directly and through Athena) reads, each with a role of its own; server access logs would be a second bucket of logs about those two. CloudTrail S3 data events can be turned on for an audit trail of reads.',
    );

    this.resultsBucket = new Bucket(this, 'Results', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [
        {
          id: 'results',
          expiration: Duration.days(RESULTS_EXPIRATION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Nothing here outlives a day, whatever deletionProtection says.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      this.resultsBucket,
      'AwsSolutions-S1',
      'Athena writes each query\'s result here and the query function reads it back once; the objects expire after a day. Access logs would outlive what they describe.',
    );

    // Glue and Athena names: lower-case letters, digits and underscores.
    this.databaseName = `liveinsight_${props.stage.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: `LiveInsight ${props.stage}: the event archive`,
      },
    });

    const eventsRoot = `s3://${this.bucket.bucketName}/${EVENTS_FOLDER}`;
    const [site, day] = ARCHIVE_PARTITION_KEYS;
    this.table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: ARCHIVE_TABLE,
        description: 'Every accepted event, one JSON line each (packages/collector/src/archive/record.ts)',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: ARCHIVE_PARTITION_KEYS.map(({ name, type }) => ({ name, type })),
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          // Partition projection: Athena computes the partitions from the query instead of
          // asking Glue, so nothing registers them. The site is injected (every query must
          // name one, which the query function always does: a query is of one site) and
          // the day is a date range from the first possible day to today.
          'projection.enabled': 'true',
          [`projection.${site.name}.type`]: 'injected',
          [`projection.${day.name}.type`]: 'date',
          [`projection.${day.name}.format`]: 'yyyy-MM-dd',
          [`projection.${day.name}.range`]: '2020-01-01,NOW',
          [`projection.${day.name}.interval`]: '1',
          [`projection.${day.name}.interval.unit`]: 'DAYS',
          // The keys Firehose writes (ARCHIVE_PREFIX), under the projected names.
          'storage.location.template': `${eventsRoot}site=\${${site.name}}/day=\${${day.name}}/`,
        },
        storageDescriptor: {
          location: eventsRoot,
          columns: ARCHIVE_COLUMNS.map(({ name, type }) => ({ name, type })),
          // Plain text lines; Hadoop's codecs read the .gz objects by their extension.
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          compressed: true,
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });

    this.workGroupName = `liveinsight-${props.stage}`;
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `LiveInsight ${props.stage}: the query function's queries of the event archive`,
      state: 'ENABLED',
      // Deleting the stack deletes the workgroup with its query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // A query cannot pick another result location, drop the encryption or lift the cutoff.
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.bytesScannedLimitMb * 1024 * 1024,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: Aws.ACCOUNT_ID,
        },
      },
    });

    this.arns = {
      workGroup: stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName }),
      catalog: stack.formatArn({ service: 'glue', resource: 'catalog' }),
      database: stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      table: stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${ARCHIVE_TABLE}` }),
    };
  }

  /**
   * Gives the query function the archive: the names in ARCHIVE_ENV and the grants to run
   * Athena queries in this workgroup, to read this table's definition, to read the
   * records under `events/` (Athena reads them with the caller's credentials, and the
   * export reads them directly) and to write and read its results; together, as
   * `bindTable` does, so that it can name nothing it may not use.
   */
  bindQuery(fn: CollectorFunction): void {
    fn.addEnvironment(ARCHIVE_ENV.workgroup, this.workGroupName);
    fn.addEnvironment(ARCHIVE_ENV.database, this.databaseName);
    fn.addEnvironment(ARCHIVE_ENV.table, ARCHIVE_TABLE);
    fn.addEnvironment(ARCHIVE_ENV.bucket, this.bucket.bucketName);

    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
        resources: [this.arns.workGroup],
      }),
    );
    // GetPartitions is what Athena asks for a table without projection; with it, the
    // table and database are what it reads. No other database, not even `default`.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [this.arns.catalog, this.arns.database, this.arns.table],
      }),
    );
    // GetBucketLocation: Athena asks where a bucket is before it reads or writes there.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn, this.resultsBucket.bucketArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${EVENTS_FOLDER}*`] } },
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${EVENTS_FOLDER}*`)] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.resultsBucket.bucketArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.resultsBucket.arnForObjects('*')],
      }),
    );

    const stack = Stack.of(this);
    const arnOf = (bucket: Bucket) => `<${stack.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>`;
    acknowledge(
      fn.role!,
      `AwsSolutions-IAM5[Resource::${arnOf(this.bucket)}/${EVENTS_FOLDER}*]`,
      'The records of every site and day are objects under events/ of the archive bucket, each named by Firehose at delivery; the function reads those and no other prefix (errors/ stays out of reach).',
    );
    acknowledge(
      fn.role!,
      `AwsSolutions-IAM5[Resource::${arnOf(this.resultsBucket)}/*]`,
      'Athena names each result object after its query execution id when the query runs; the bucket holds nothing but these results, which expire after a day.',
    );
  }
}

/** `events/` of `events/site=!{…}/…`: the literal folder an expression-laden prefix starts with. */
function topFolder(prefix: string): string {
  const slash = prefix.indexOf('/');
  if (slash <= 0 || prefix.slice(0, slash).includes('!{')) {
    throw new Error(`an archive prefix must start with a literal folder (got "${prefix}")`);
  }
  return prefix.slice(0, slash + 1);
}
