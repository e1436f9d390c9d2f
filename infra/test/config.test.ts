import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, type ContextKey } from '../lib/config.js';

const read = (context: Partial<Record<ContextKey, unknown>>, env: NodeJS.ProcessEnv = {}) =>
  readConfig((key) => context[key], env);

describe('context', () => {
  it('defaults to stage dev in us-east-1 with everything a trial needs and nothing it must clean up', () => {
    expect(read({})).toEqual({
      stage: 'dev',
      region: 'us-east-1',
      deletionProtection: false,
      logRetention: RetentionDays.ONE_MONTH,
      // Room for a 1,000 requests/s peak of one site: 2,000/s steady, the account's default burst.
      throttle: { rateLimit: 2000, burstLimit: 5000 },
      // Each keyed route's method (reads, admin) on its own; once the read key's usage plan.
      readThrottle: { rateLimit: 20, burstLimit: 40 },
      apiKeyRevision: 1,
      // The archive keeps 400 days (the backfill window); a query may scan 10 GiB.
      archiveRetentionDays: 400,
      athenaBytesScannedLimitMb: 10240,
    });
  });

  it('takes archiveRetentionDays=0 as keep forever, not as absent or refused', () => {
    expect(read({ archiveRetentionDays: '0' }).archiveRetentionDays).toBe(0);
    expect(read({ archiveRetentionDays: 0 }).archiveRetentionDays).toBe(0);
    expect(read({ archiveRetentionDays: '30' }).archiveRetentionDays).toBe(30);
    expect(read({ archiveRetentionDays: 731 }).archiveRetentionDays).toBe(731);
    // Left out (or blank) is the default, never 0.
    expect(read({ archiveRetentionDays: '' }).archiveRetentionDays).toBe(400);
  });

  it('takes the Athena scan cutoff in MiB, from Athena\'s least (10) up', () => {
    expect(read({ athenaBytesScannedLimitMb: '10' }).athenaBytesScannedLimitMb).toBe(10);
    expect(read({ athenaBytesScannedLimitMb: 102400 }).athenaBytesScannedLimitMb).toBe(102400);
  });

  it('takes the region the CLI resolved when the context names none', () => {
    expect(read({}, { CDK_DEFAULT_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(read({ region: 'eu-central-1' }, { CDK_DEFAULT_REGION: 'eu-west-1' }).region).toBe('eu-central-1');
  });

  it('accepts -c strings and cdk.json values alike', () => {
    const fromCli = read({ deletionProtection: 'true', logRetentionDays: '90', throttleRate: '50', apiKeyRevision: '2' });
    const fromJson = read({ deletionProtection: true, logRetentionDays: 90, throttleRate: 50, apiKeyRevision: 2 });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({
      deletionProtection: true,
      logRetention: RetentionDays.THREE_MONTHS,
      throttle: { rateLimit: 50, burstLimit: 5000 },
      apiKeyRevision: 2,
    });
  });

  it('passes the alarm destinations through', () => {
    expect(read({ stage: 'prod', alarmEmail: 'ops@example.com' })).toMatchObject({ stage: 'prod', alarmEmail: 'ops@example.com' });
    expect(read({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }).alarmTopicArn).toBe(
      'arn:aws:sns:eu-west-1:123456789012:ops',
    );
  });

  it.each([
    [{ stage: 'dev stage' }, 'stage'],
    [{ region: 'Europe' }, 'region'],
    [{ deletionProtection: 'yes' }, 'deletionProtection'],
    [{ logRetentionDays: '45' }, 'logRetentionDays'],
    [{ throttleBurst: '-1' }, 'throttleBurst'],
    [{ readThrottleRate: 'fast' }, 'readThrottleRate'],
    [{ apiKeyRevision: '1.5' }, 'apiKeyRevision'],
    [{ streamShards: '0' }, 'streamShards'],
    [{ streamShards: '501' }, 'streamShards'],
    [{ archiveRetentionDays: '-1' }, 'archiveRetentionDays'],
    [{ archiveRetentionDays: ' ' }, 'archiveRetentionDays'],
    [{ archiveRetentionDays: 'forever' }, 'archiveRetentionDays'],
    [{ archiveRetentionDays: '1e3' }, 'archiveRetentionDays'],
    [{ archiveRetentionDays: true }, 'archiveRetentionDays'],
    [{ athenaBytesScannedLimitMb: '0' }, 'athenaBytesScannedLimitMb'],
    [{ athenaBytesScannedLimitMb: '9' }, 'athenaBytesScannedLimitMb'],
    [{ alarmEmail: 'ops' }, 'alarmEmail'],
    [{ alarmTopicArn: 'ops-topic' }, 'alarmTopicArn'],
  ] as const)('refuses %j, naming the key', (context, key) => {
    expect(() => read(context)).toThrow(ConfigError);
    expect(() => read(context)).toThrow(`context "${key}"`);
  });
});
