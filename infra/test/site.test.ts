import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_HEADER } from '@liveinsight/collector/functions';
import { API_FORWARDED_HEADERS, API_KEY_HEADERS } from '../lib/site.js';
import { REPO_ROOT, type LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

// CloudFront's managed policies, by their documented ids.
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
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
    const bucketId = logicalId(stack, stack.site.bucket);
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === bucketId,
    )!;
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

  it('routes /api/* to the API stage, every method, HTTPS only', () => {
    const api = behavior('/api/*');
    expect(api).toMatchObject({ ViewerProtocolPolicy: 'https-only' });
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']));
    const apiOrigin = origin(api.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain(logicalId(stack, stack.api.restApi));
    expect(JSON.stringify(apiOrigin.OriginPath)).toContain(logicalId(stack, stack.api.restApi.deploymentStage));
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('sends the API the origin secret in its header, and only the API', () => {
    const api = behavior('/api/*');
    expect(origin(api.TargetOriginId).OriginCustomHeaders).toEqual([
      {
        HeaderName: ORIGIN_HEADER,
        // Resolved by CloudFormation into the distribution's configuration, from the origin
        // secret (not the admin key's).
        HeaderValue: {
          'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: logicalId(stack, stack.originSecret.secret) }, ':SecretString:::}}']],
        },
      },
    ]);
    expect(JSON.stringify(distribution)).not.toContain(logicalId(stack, stack.adminKey.secret));
    const files = origin(distribution.DefaultCacheBehavior.TargetOriginId);
    expect(files.OriginCustomHeaders).toBeUndefined();
  });

  /** The /api/* cache policy's configuration. */
  const apiCachePolicy = () => resources[behavior('/api/*').CachePolicyId.Ref as string]!.Properties.CachePolicyConfig;

  it('forwards both key headers to the API through the cache key, Authorization included', () => {
    // CloudFront refuses Authorization in an origin request policy (HTTP 400): a header
    // that authorises must be part of the cache key, so that a cached answer can never be
    // served to a request without the same header.
    const key = apiCachePolicy().ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['Authorization', 'X-API-Key'] });
    expect([...API_KEY_HEADERS]).toEqual(['Authorization', 'X-API-Key']);
    // The query is in the key too: one key's answer for one site is not another's.
    expect(key.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(key.CookiesConfig).toEqual({ CookieBehavior: 'none' });
  });

  it('caches no keyed answer: TTL 0 by default and at least, the key headers in the key, the origin saying no-store', () => {
    // An answer is cached only if the origin asks for it (DefaultTTL 0 covers answers that
    // say nothing, MinTTL 0 lets `no-store` win), and the collector and API Gateway's own
    // responses both say `Cache-Control: no-store` (api.test.ts). CloudFront refuses a
    // cache key in a policy whose TTLs are all 0, hence MaxTTL 1 s: it bounds an answer
    // that asked to be cached, and even that one would only go back to the same key and
    // query, since both are in the cache key.
    const config = apiCachePolicy();
    expect(config).toMatchObject({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 1 });
    expect(config.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers).toEqual(
      expect.arrayContaining(['Authorization', 'X-API-Key']),
    );
    // The static files keep their own (managed) policy.
    expect(distribution.DefaultCacheBehavior.CachePolicyId).toBe(CACHING_OPTIMIZED);
  });

  it('forwards to the API exactly the other headers the collector reads, all query strings and no cookies', () => {
    const policyId = behavior('/api/*').OriginRequestPolicyId.Ref as string;
    const config = resources[policyId]!.Properties.OriginRequestPolicyConfig;
    expect(config.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: [...API_FORWARDED_HEADERS] });
    expect([...API_FORWARDED_HEADERS].sort()).toEqual(
      ['CloudFront-Viewer-Address', 'CloudFront-Viewer-Country', 'Content-Type', 'User-Agent', 'X-Forwarded-For'].sort(),
    );
    // A header belongs to one policy: the key headers are forwarded by the cache policy,
    // and Authorization here would fail the deploy.
    const inKey = (apiCachePolicy().ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers as string[]).map((h) =>
      h.toLowerCase(),
    );
    for (const header of config.HeadersConfig.Headers as string[]) expect(inKey, header).not.toContain(header.toLowerCase());
    // The origin header comes from CloudFront alone: a viewer's copy is not forwarded.
    expect(config.HeadersConfig.Headers).not.toContain(ORIGIN_HEADER);
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

  it('outputs the dashboard and API URLs, the script tag, how to read the admin key and add a site', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    const text = (name: string) => JSON.stringify(outputs[name]!.Value);
    const domain = logicalId(stack, stack.site.distribution);
    expect(text('DashboardUrl')).toContain(domain);
    expect(text('ApiUrl')).toMatch(/\/api"/);
    expect(text('ScriptTag')).toContain('<script defer src=\\"https://');
    expect(text('ScriptTag')).toContain('/sdk/liveinsight.js\\" data-site=\\"example.com\\"></script>');
    expect(text('PinnedScriptUrl')).toContain(`/sdk/v${SDK_VERSION}/liveinsight.js`);
    const secret = { Ref: logicalId(stack, stack.adminKey.secret) };
    expect(outputs.ApiKeyId).toBeUndefined();
    expect(outputs.AdminKeySecretArn!.Value).toEqual(secret);
    const command = ['aws secretsmanager get-secret-value --secret-id ', secret, ' --query SecretString --output text --region us-east-1'];
    expect(outputs.ApiKeyCommand!.Value).toEqual({ 'Fn::Join': ['', command] });
    expect(outputs.ApiKeyCommand!.Description).toContain(
      'npm run keys -- create --name dashboard --scope read',
    );
    // The site command carries the admin key command inside $(...), and the first-party API URL.
    const addSite = outputs.AddSiteCommand!.Value as { 'Fn::Join': [string, unknown[]] };
    const parts = addSite['Fn::Join'][1];
    expect(parts[0]).toBe('LIVEINSIGHT_API_URL=https://');
    expect(parts[1]).toEqual({ 'Fn::GetAtt': [domain, 'DomainName'] });
    expect(parts.slice(2)).toEqual([
      `/api LIVEINSIGHT_API_KEY=$(${command[0]}`,
      secret,
      `${command[2]}) npm run sites -- add example.com --hostname example.com`,
    ]);
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
