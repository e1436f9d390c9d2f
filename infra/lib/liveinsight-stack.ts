import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACTIVITY_INDEX } from '@liveinsight/collector/tables';
import { AdminKey } from './admin-key.js';
import { EventArchive } from './archive.js';
import { ArchiveDelivery } from './archive-delivery.js';
import { LiveInsightAlarms } from './alarms.js';
import { LiveInsightApi } from './api.js';
import type { LiveInsightConfig } from './config.js';
import { CollectorFunctions } from './functions.js';
import { OriginSecret } from './origin-secret.js';
import { StaticSite, TRACKER_FILE } from './site.js';
import { EventsStream } from './stream.js';
import { LiveInsightTables } from './tables.js';

/** The repository root, from infra/lib. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface LiveInsightStackProps extends StackProps {
  readonly config: LiveInsightConfig;
  /** Where the built dashboard is; packages/dashboard/dist by default. */
  readonly dashboardDir?: string;
  /** Where the CDN build of the tracker is; packages/sdk/dist/cdn by default. */
  readonly trackerDir?: string;
}

/** The whole of LiveInsight in one stack; it wires the constructs, each of which owns one concern. */
export class LiveInsightStack extends Stack {
  readonly tables: LiveInsightTables['tables'];
  readonly functions: CollectorFunctions['functions'];
  readonly stream: EventsStream;
  readonly consumer: CollectorFunctions['consumer'];
  readonly adminKey: AdminKey;
  readonly originSecret: OriginSecret;
  readonly api: LiveInsightApi;
  readonly site: StaticSite;
  readonly alarms: LiveInsightAlarms;
  readonly archive: EventArchive;
  readonly archiveDelivery: ArchiveDelivery;

  constructor(scope: Construct, id: string, props: LiveInsightStackProps) {
    super(scope, id, props);
    const { config } = props;

    const { tables } = new LiveInsightTables(this, 'Tables', { deletionProtection: config.deletionProtection });
    const stream = new EventsStream(this, 'Events', { shards: config.streamShards });
    const adminKey = new AdminKey(this, 'AdminKey', { stage: config.stage, revision: config.apiKeyRevision });
    const originSecret = new OriginSecret(this, 'OriginSecret', { stage: config.stage });
    const archive = new EventArchive(this, 'Archive', {
      stage: config.stage,
      retentionDays: config.archiveRetentionDays,
      bytesScannedLimitMb: config.athenaBytesScannedLimitMb,
      deletionProtection: config.deletionProtection,
    });
    const { functions, consumer } = new CollectorFunctions(this, 'Functions', {
      tables,
      stream,
      projectRoot: REPO_ROOT,
      logRetention: config.logRetention,
      adminSecret: adminKey.secret,
      originSecret: originSecret.secret,
      archive,
    });
    const archiveDelivery = new ArchiveDelivery(this, 'ArchiveDelivery', {
      stream: stream.stream,
      bucket: archive.bucket,
      transform: functions.archive,
      logRetention: config.logRetention,
    });
    const api = new LiveInsightApi(this, 'Api', {
      stage: config.stage,
      functions,
      throttle: config.throttle,
      readThrottle: config.readThrottle,
      logRetention: config.logRetention,
    });
    const trackerVersion = sdkVersion();
    const site = new StaticSite(this, 'Site', {
      dashboardDir: props.dashboardDir ?? join(REPO_ROOT, 'packages/dashboard/dist'),
      trackerDir: props.trackerDir ?? join(REPO_ROOT, 'packages/sdk/dist/cdn'),
      trackerVersion,
      api: api.restApi,
      originSecret: originSecret.secret,
      logRetention: config.logRetention,
    });
    const alarms = new LiveInsightAlarms(this, 'Alarms', {
      stage: config.stage,
      functions,
      api: api.restApi,
      tables,
      activityIndex: ACTIVITY_INDEX,
      consumerFailures: stream.failures,
      archiveDelivery: archiveDelivery.deliveryStream,
      ...(config.alarmEmail && { alarmEmail: config.alarmEmail }),
      ...(config.alarmTopicArn && { alarmTopicArn: config.alarmTopicArn }),
    });

    this.tables = tables;
    this.functions = functions;
    this.stream = stream;
    this.consumer = consumer;
    this.adminKey = adminKey;
    this.originSecret = originSecret;
    this.api = api;
    this.site = site;
    this.alarms = alarms;
    this.archive = archive;
    this.archiveDelivery = archiveDelivery;

    const origin = `https://${site.distribution.distributionDomainName}`;
    new CfnOutput(this, 'DashboardUrl', { value: `${origin}/`, description: 'The dashboard' });
    new CfnOutput(this, 'ApiUrl', {
      value: `${origin}/api`,
      description: 'The API, first-party behind CloudFront (POST /api/events, GET /api/stats ...)',
    });
    new CfnOutput(this, 'ApiGatewayUrl', {
      value: `${api.restApi.url}api`,
      description: 'The same API straight from API Gateway (no CloudFront: no visitor country)',
    });
    new CfnOutput(this, 'ScriptTag', {
      value: `<script defer src="${origin}/sdk/${TRACKER_FILE}" data-site="example.com"></script>`,
      description: 'Paste into your pages, with your own site name in data-site',
    });
    new CfnOutput(this, 'PinnedScriptUrl', {
      value: `${origin}/sdk/v${trackerVersion}/${TRACKER_FILE}`,
      description: 'The tracker at a versioned, long-cached URL',
    });
    new CfnOutput(this, 'ArchiveBucketName', {
      value: archive.bucket.bucketName,
      description: `The event archive: gzip'd JSON lines under events/site=<site>/day=<YYYY-MM-DD>/ (Glue table ${archive.databaseName}.${archive.tableName})`,
    });
    new CfnOutput(this, 'AthenaWorkGroup', {
      value: archive.workGroupName,
      description: 'The Athena workgroup that queries the archive (results encrypted, kept a day; a scan cutoff per query)',
    });
    new CfnOutput(this, 'AdminKeySecretArn', {
      value: adminKey.secret.secretArn,
      description: 'The Secrets Manager secret holding the bootstrap admin key',
    });
    const printAdminKey = `aws secretsmanager get-secret-value --secret-id ${adminKey.secret.secretArn} --query SecretString --output text --region ${this.region}`;
    new CfnOutput(this, 'ApiKeyCommand', {
      value: printAdminKey,
      description:
        'Prints the bootstrap admin key; with it, `npm run keys -- create --name dashboard --scope read` mints the dashboard\'s read key',
    });
    // In AWS a site is not registered by its first event (no LIVEINSIGHT_AUTO_SITES):
    // events of a site nobody added are not counted.
    new CfnOutput(this, 'AddSiteCommand', {
      value: `LIVEINSIGHT_API_URL=${origin}/api LIVEINSIGHT_API_KEY=$(${printAdminKey}) npm run sites -- add example.com --hostname example.com`,
      description: 'Registers a site (run at the repository root, with your site\'s name and hostnames)',
    });
  }
}

function sdkVersion(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/sdk/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}
