import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Everything a deployment can choose, read once from CDK context (`-c key=value` or
 * cdk.json). Defaults make `cdk synth` work offline with no AWS credentials: nothing
 * here triggers a lookup.
 */
export interface LiveInsightConfig {
  /** API Gateway stage and stack suffix; `dev` as in the original deployment. */
  readonly stage: string;
  readonly region: string;
  /** Deletion protection + RETAIN on the tables; off by default so `cdk destroy` cleans up a trial. */
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** Stage-wide throttle: every route, the public POST /api/events included (sizing: DEFAULTS). */
  readonly throttle: Throttle;
  /**
   * Per-method throttle of every keyed route (reads, admin), shared by all its callers.
   * It was the read key's usage plan limit; the context keys kept their names.
   */
  readonly readThrottle: Throttle;
  /** Bumping it generates a new bootstrap admin key and points the functions at it. */
  readonly apiKeyRevision: number;
  /**
   * A provisioned events stream of this many shards; on demand when absent. The consumer
   * runs one batch per shard at a time, so its throughput is the shard count: the capacity
   * model (`npm run capacity`) prints how many shards a peak needs.
   */
  readonly streamShards?: number;
  /** Days the event archive keeps each object; 0 keeps it for good (no expiration rule). */
  readonly archiveRetentionDays: number;
  /** The Athena workgroup's cutoff per query, in MiB scanned: a runaway query is cancelled there. */
  readonly athenaBytesScannedLimitMb: number;
  /** Subscribe this address to a new alarm topic. */
  readonly alarmEmail?: string;
  /** Or send alarms to a topic that already exists. */
  readonly alarmTopicArn?: string;
}

export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The context keys, documented in docs/deploy.md. */
export const CONTEXT_KEYS = [
  'stage',
  'region',
  'deletionProtection',
  'logRetentionDays',
  'throttleRate',
  'throttleBurst',
  'readThrottleRate',
  'readThrottleBurst',
  'apiKeyRevision',
  'streamShards',
  'archiveRetentionDays',
  'athenaBytesScannedLimitMb',
  'alarmEmail',
  'alarmTopicArn',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export const DEFAULTS = {
  stage: 'dev',
  region: 'us-east-1',
  logRetentionDays: 30,
  // Sized for a peak of 1,000 requests/s from one site with room to spare: 2,000/s steady
  // and a burst of 5,000, the most API Gateway allows a region's account by default
  // (10,000/s, burst 5,000), so a larger burst would not be honoured without a quota
  // increase. The collector only puts records on the stream (tens of ms), so 2,000/s is
  // on the order of 100-200 concurrent Lambda executions: check the account's concurrency
  // quota (1,000 by default, less on new accounts) before relying on it.
  throttle: { rateLimit: 2000, burstLimit: 5000 },
  readThrottle: { rateLimit: 20, burstLimit: 40 },
  // The backfill window (400 days) and a year-over-year comparison of a full year fit.
  archiveRetentionDays: 400,
  // 10 GiB: at most $0.05 a query (Athena bills $5 per TB scanned). Athena scans the
  // archive's gzip as stored, roughly 40 MB a month for a site of 1M events a month, so a
  // year of it is ~0.5 GB; a site of 100M events a month reaches the cutoff after about
  // two months of window and needs a higher one.
  athenaBytesScannedLimitMb: 10 * 1024,
} as const;

/** Athena refuses a per-query cutoff under 10 MB. */
const ATHENA_MIN_CUTOFF_MB = 10;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates the context. `-c` values arrive as strings, cdk.json values as
 * JSON, so both spellings are accepted; anything unusable fails the synth with the key
 * named rather than deploying something surprising.
 */
export function readConfig(
  context: (key: ContextKey) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): LiveInsightConfig {
  const stage = text(context, 'stage') ?? DEFAULTS.stage;
  // The stage name ends up in the stack name, the API path and resource names.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stage)) {
    throw new ConfigError(`context "stage" must be letters, digits, _ or - (got "${stage}")`);
  }
  const region = text(context, 'region') ?? env.CDK_DEFAULT_REGION ?? DEFAULTS.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError(`context "region" is not an AWS region name (got "${region}")`);
  }
  const alarmEmail = text(context, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    throw new ConfigError(`context "alarmEmail" is not an e-mail address (got "${alarmEmail}")`);
  }
  const alarmTopicArn = text(context, 'alarmTopicArn');
  if (alarmTopicArn !== undefined && !alarmTopicArn.startsWith('arn:')) {
    throw new ConfigError(`context "alarmTopicArn" must be an SNS topic ARN (got "${alarmTopicArn}")`);
  }
  const streamShards = number(context, 'streamShards');
  // Kinesis's default quota per account and region in most regions (more on request).
  if (streamShards !== undefined && streamShards > 500) {
    throw new ConfigError(`context "streamShards" must be at most 500, the default shard quota (got ${streamShards})`);
  }
  // 0 is a value here (keep forever), not an absence.
  const archiveRetentionDays = number(context, 'archiveRetentionDays', 0) ?? DEFAULTS.archiveRetentionDays;
  const athenaBytesScannedLimitMb = number(context, 'athenaBytesScannedLimitMb') ?? DEFAULTS.athenaBytesScannedLimitMb;
  if (athenaBytesScannedLimitMb < ATHENA_MIN_CUTOFF_MB) {
    throw new ConfigError(
      `context "athenaBytesScannedLimitMb" must be at least ${ATHENA_MIN_CUTOFF_MB}, Athena's smallest cutoff (got ${athenaBytesScannedLimitMb})`,
    );
  }
  return {
    stage,
    region,
    deletionProtection: flag(context, 'deletionProtection') ?? false,
    logRetention: retention(number(context, 'logRetentionDays') ?? DEFAULTS.logRetentionDays),
    throttle: {
      rateLimit: number(context, 'throttleRate') ?? DEFAULTS.throttle.rateLimit,
      burstLimit: number(context, 'throttleBurst') ?? DEFAULTS.throttle.burstLimit,
    },
    readThrottle: {
      rateLimit: number(context, 'readThrottleRate') ?? DEFAULTS.readThrottle.rateLimit,
      burstLimit: number(context, 'readThrottleBurst') ?? DEFAULTS.readThrottle.burstLimit,
    },
    apiKeyRevision: number(context, 'apiKeyRevision') ?? 1,
    archiveRetentionDays,
    athenaBytesScannedLimitMb,
    ...(streamShards !== undefined && { streamShards }),
    ...(alarmEmail !== undefined && { alarmEmail }),
    ...(alarmTopicArn !== undefined && { alarmTopicArn }),
  };
}

function text(context: (key: ContextKey) => unknown, key: ContextKey): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(`context "${key}" must be a string`);
  return value;
}

function flag(context: (key: ContextKey) => unknown, key: ContextKey): boolean | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`context "${key}" must be true or false (got "${String(value)}")`);
}

/** A whole number of at least `min` (1 unless given): `-c key=0` is refused unless 0 means something. */
function number(context: (key: ContextKey) => unknown, key: ContextKey, min = 1): number | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  // Digits only for a string: Number() would read ' ' as 0 and '1e3' as 1000.
  const parsed = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(parsed) || parsed < min) {
    const what = min === 0 ? 'a whole number, 0 or more' : 'a positive whole number';
    throw new ConfigError(`context "${key}" must be ${what} (got "${String(value)}")`);
  }
  return parsed;
}

/** CloudWatch Logs accepts only certain retention periods; RetentionDays lists them. */
function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);
  if (!allowed.includes(days)) {
    throw new ConfigError(`context "logRetentionDays" must be one of ${allowed.sort((a, b) => a - b).join(', ')}`);
  }
  return days as RetentionDays;
}
