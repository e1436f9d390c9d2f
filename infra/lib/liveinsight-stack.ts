import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACTIVITY_INDEX } from '@liveinsight/collector/tables';
import { LiveInsightAlarms } from './alarms.js';
import { LiveInsightApi } from './api.js';
import type { LiveInsightConfig } from './config.js';
import { CollectorFunctions } from './functions.js';
import { ReadKey } from './read-key.js';
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
  readonly readKey: ReadKey;
  readonly api: LiveInsightApi;
  readonly site: StaticSite;
  readonly alarms: LiveInsightAlarms;

  constructor(scope: Construct, id: string, props: LiveInsightStackProps) {
    super(scope, id, props);
    const { config } = props;

    const { tables } = new LiveInsightTables(this, 'Tables', { deletionProtection: config.deletionProtection });
    const stream = new EventsStream(this, 'Events', { shards: config.streamShards });
    const readKey = new ReadKey(this, 'ReadKey', { stage: config.stage, revision: config.apiKeyRevision });
    const { functions, consumer } = new CollectorFunctions(this, 'Functions', {
      tables,
      stream,
      projectRoot: REPO_ROOT,
      logRetention: config.logRetention,
      apiKey: readKey.value,
    });
    const api = new LiveInsightApi(this, 'Api', {
      stage: config.stage,
      functions,
      readKey: readKey.apiKey,
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
      logRetention: config.logRetention,
    });
    const alarms = new LiveInsightAlarms(this, 'Alarms', {
      stage: config.stage,
      functions,
      api: api.restApi,
      tables,
      activityIndex: ACTIVITY_INDEX,
      consumerFailures: stream.failures,
      ...(config.alarmEmail && { alarmEmail: config.alarmEmail }),
      ...(config.alarmTopicArn && { alarmTopicArn: config.alarmTopicArn }),
    });

    this.tables = tables;
    this.functions = functions;
    this.stream = stream;
    this.consumer = consumer;
    this.readKey = readKey;
    this.api = api;
    this.site = site;
    this.alarms = alarms;

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
    new CfnOutput(this, 'ApiKeyId', { value: readKey.apiKey.keyId, description: 'The read key (X-API-Key)' });
    new CfnOutput(this, 'ApiKeyCommand', {
      value: `aws apigateway get-api-key --api-key ${readKey.apiKey.keyId} --include-value --query value --output text --region ${this.region}`,
      description: 'Prints the read key, for the dashboard sign-in or #key=',
    });
  }
}

function sdkVersion(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/sdk/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}
