import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_FORWARDED_HEADERS } from '../lib/site.js';
import { REPO_ROOT, type LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

// CloudFront's managed policies, by their documented ids.
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const SECURITY_HEADERS = '67f7725c-6f97-4210-82d7-5512b31e9d03';
const CORS_AND_SECURITY_HEADERS = 'e61eb60c-9c35-4d20-a928-2b84e02af89c';
const SDK_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages/sdk/package.json'), 'utf8')) as { version: string })
  .version;

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

describe('bucket and CDN', () => {
  let app: App;
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Record<string, Resource>;
  let distribution: Record<string, any>;

  beforeAll(() => {
    ({ app, template, stack } = synthesize());
    resources = template.toJSON().Resources;
    distribution = resources[logicalId(stack, stack.site.distribution)]!.Properties.DistributionConfig;
  });

  const behavior = (pattern: string) =>
    distribution.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === pattern);
  const origin = (id: string) => distribution.Origins.find((o: { Id: string }) => o.Id === id);
  const deployment = (id: string) => resources[logicalId(stack, stack.site.node.findChild(id).node.findChild('CustomResource'))]!.Properties;

  /** The files of a staged asset, from the object key a deployment copies. */
  const assetFiles = (objectKey: string): string => {
    const { directory } = app.synth();
    const manifest = JSON.parse(readFileSync(join(directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const asset = manifest.files[objectKey.replace(/\.zip$/, '')];
    if (!asset) throw new Error(`no staged asset ${objectKey}`);
    return join(directory, asset.source.path);
  };

  it('keeps the bucket private: every public access block on, no website hosting', () => {
    const bucket = resources[logicalId(stack, stack.site.bucket)]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(bucket.Properties.BucketEncryption).toBeDefined();
  });

  it('refuses plain HTTP to the bucket and lets only this distribution read it', () => {
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy')!;
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const reads = statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('s3:GetObject'));
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(JSON.stringify(reads[0]!.Condition.StringEquals['AWS:SourceArn'])).toContain(
      logicalId(stack, stack.site.distribution),
    );
    // Nothing is granted to everyone.
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      expect(statement.Principal).not.toEqual('*');
      expect(statement.Principal).not.toEqual({ AWS: '*' });
    }
  });

  it('reaches the bucket through origin access control, not an access identity', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    const files = origin(distribution.DefaultCacheBehavior.TargetOriginId);
    expect(files.OriginAccessControlId).toBeDefined();
    expect(files.S3OriginConfig.OriginAccessIdentity).toBe('');
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('serves the dashboard at / over HTTPS', () => {
    expect(distribution.DefaultRootObject).toBe('index.html');
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: CACHING_OPTIMIZED,
      ResponseHeadersPolicyId: SECURITY_HEADERS,
    });
  });

  it('serves the tracker under /sdk/* from the bucket, cached and readable cross-origin', () => {
    expect(behavior('/sdk/*')).toMatchObject({
      TargetOriginId: distribution.DefaultCacheBehavior.TargetOriginId,
      CachePolicyId: CACHING_OPTIMIZED,
      ResponseHeadersPolicyId: CORS_AND_SECURITY_HEADERS,
    });
  });

  it('routes /api/* to the API stage, every method, never cached', () => {
    const api = behavior('/api/*');
    expect(api).toMatchObject({ CachePolicyId: CACHING_DISABLED, ViewerProtocolPolicy: 'https-only' });
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'OPTIONS']));
    const apiOrigin = origin(api.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain(logicalId(stack, stack.api.restApi));
    expect(JSON.stringify(apiOrigin.OriginPath)).toContain(logicalId(stack, stack.api.restApi.deploymentStage));
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('forwards to the API exactly the headers the collector reads, all query strings and no cookies', () => {
    const policyId = behavior('/api/*').OriginRequestPolicyId.Ref as string;
    const config = resources[policyId]!.Properties.OriginRequestPolicyConfig;
    expect(config.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: [...API_FORWARDED_HEADERS] });
    expect([...API_FORWARDED_HEADERS].sort()).toEqual(
      [
        'CloudFront-Viewer-Address',
        'CloudFront-Viewer-Country',
        'Content-Type',
        'User-Agent',
        'X-API-Key',
        'X-Forwarded-For',
      ].sort(),
    );
    expect(config.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(config.CookiesConfig).toEqual({ CookieBehavior: 'none' });
  });

  it('deploys the dashboard with a config.json pointing at the same-origin API, revalidated on each load', () => {
    const dashboard = deployment('Dashboard');
    expect(dashboard).toMatchObject({
      Prune: true,
      Exclude: ['sdk/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: { Ref: logicalId(stack, stack.site.distribution) },
      DistributionPaths: ['/*'],
    });
    const [built, config] = (dashboard.SourceObjectKeys as string[]).map(assetFiles);
    expect(existsSync(join(built!, 'index.html'))).toBe(true);
    expect(existsSync(join(built!, 'config.json'))).toBe(false);
    expect(readdirSync(config!)).toEqual(['config.json']);
    expect(JSON.parse(readFileSync(join(config!, 'config.json'), 'utf8'))).toEqual({ apiBase: '' });
  });

  it('deploys the tracker at /sdk/ for a day and at /sdk/v<version>/ for good, keeping older pinned versions', () => {
    expect(deployment('Tracker')).toMatchObject({
      DestinationBucketKeyPrefix: 'sdk/',
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=86400' },
      DistributionPaths: ['/sdk/*'],
    });
    expect(deployment('TrackerPinned')).toMatchObject({
      DestinationBucketKeyPrefix: `sdk/v${SDK_VERSION}/`,
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    const [files] = (deployment('Tracker').SourceObjectKeys as string[]).map(assetFiles);
    expect(readdirSync(files!)).toContain('liveinsight.js');
  });

  it('outputs the dashboard and API URLs, the script tag and how to read the key', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const text = (name: string) => JSON.stringify(outputs[name]!.Value);
    const domain = logicalId(stack, stack.site.distribution);
    expect(text('DashboardUrl')).toContain(domain);
    expect(text('ApiUrl')).toMatch(/\/api"/);
    expect(text('ScriptTag')).toContain('<script defer src=\\"https://');
    expect(text('ScriptTag')).toContain('/sdk/liveinsight.js\\" data-site=\\"example.com\\"></script>');
    expect(text('PinnedScriptUrl')).toContain(`/sdk/v${SDK_VERSION}/liveinsight.js`);
    expect(outputs.ApiKeyId!.Value).toEqual({ Ref: logicalId(stack, stack.readKey.apiKey) });
    expect(text('ApiKeyCommand')).toContain('aws apigateway get-api-key --api-key ');
    expect(text('ApiKeyCommand')).toContain('--include-value --query value --output text --region us-east-1');
  });
});

describe('bucket and CDN before a build', () => {
  it('fails the synth with a clear message when the dashboard or tracker is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'liveinsight-nobuild-'));
    expect(() => synthesize({ dashboardDir: empty })).toThrow(
      new RegExp(`${empty}/index.html does not exist.*run \`npm run build\``),
    );
    expect(() => synthesize({ trackerDir: empty })).toThrow(new RegExp(`${empty}/liveinsight.js does not exist`));
  });
});
