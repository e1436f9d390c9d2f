import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec } from '@liveinsight/collector/functions';
import { FUNCTIONS, type FunctionId } from '../lib/functions.js';

const INFRA = join(import.meta.dirname, '..');
const HANDLERS = Object.keys(FUNCTIONS) as FunctionId[];
const OPTIONAL_SDK_PEERS = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];

/**
 * The one test that runs the real CLI on the real app (bin/app.ts through cdk.json),
 * esbuild included: as a user would, with no AWS credentials or CDK environment.
 */
describe('cdk synth', () => {
  let out: string;
  let result: SpawnSyncReturns<string>;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'liveinsight-synth-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')),
    );
    result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
      cwd: INFRA,
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (result.status === 0) template = JSON.parse(readFileSync(join(out, 'LiveInsight-dev.template.json'), 'utf8'));
  }, 180_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('succeeds offline with no credentials, cdk-nag passing', () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(existsSync(join(out, 'LiveInsight-dev.template.json'))).toBe(true);
  });

  const bundleOf = (handler: FunctionId) => {
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description === FUNCTIONS[handler].description,
    )!;
    return join(out, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
  };

  it('bundles each handler into one minified ES module with a source map and no sources inside', () => {
    for (const handler of HANDLERS) {
      const dir = bundleOf(handler);
      expect(readdirSync(dir).sort(), handler).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // Minified: long lines (the few line breaks left are inside template literals).
      expect(code.length / code.split('\n').length, `${handler} is minified`).toBeGreaterThan(2000);
      // Matched rather than compared whole: a failure must not print 400 KB of bundle.
      expect(/export\s*\{[^}]*\bhandler\b/.test(code), `${handler} exports handler`).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sources.some((source) => source.endsWith(`packages/collector/src/handlers/${handler}.ts`))).toBe(true);
      expect(map.sourcesContent).toBeUndefined();
      // Firehose's transformation calls no AWS service and has no SDK to configure.
      const usesSdk = map.sources.some((source) => source.includes('@aws-sdk/'));
      expect(usesSdk || (FUNCTIONS[handler] as FunctionSpec).archive === 'transform', `${handler} bundles the SDK`).toBe(true);
      if (!usesSdk) continue;
      // The SDK's default credential chain is aliased to the environment's (LAMBDA_ALIASES).
      expect(map.sources.some((source) => source.endsWith('packages/collector/src/lambda/credentials.ts')), `${handler} reads credentials from the env`).toBe(true);
      expect(map.sources.filter((source) => /credential-provider-(node|sso|ini|imds)|nested-clients/.test(source)), handler).toEqual([]);
    }
  });

  it('ships the AWS SDK inside the bundle instead of relying on the runtime\'s copy', () => {
    const code = readFileSync(join(bundleOf('events'), 'index.mjs'), 'utf8');
    const external = (pattern: RegExp) => [...new Set([...code.matchAll(pattern)].map((m) => m[1]!))];
    expect(external(/from\s*["'](@aws-sdk\/[^"']+)["']/g)).toEqual([]);
    // The SigV4a signers are optional peers the SDK requires inside a try, for
    // multi-region endpoints DynamoDB does not use.
    const required = external(/require\(["'](@aws-sdk\/[^"']+)["']\)/g);
    expect(required.filter((name) => !OPTIONAL_SDK_PEERS.includes(name))).toEqual([]);
    expect(code.includes('DynamoDBDocumentClient') || code.includes('dynamodb'), 'the DynamoDB client is inside').toBe(true);
    expect(code.includes('PutRecords'), 'the Kinesis client is inside').toBe(true);
  });
});
