import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  HttpVersion,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { ORIGIN_HEADER } from '@liveinsight/collector/functions';
import { acknowledge, acknowledgeCurrentFindings } from './nag.js';

/**
 * The headers the collector needs from the visitor's request, besides the key. CloudFront
 * sends none by default and replaces User-Agent with its own; X-Forwarded-For carries the
 * visitor's address as its first hop (API Gateway's sourceIp would be CloudFront's), and
 * CloudFront-Viewer-Country is the country the collector records. A client can put its
 * own X-Forwarded-For in front, so CloudFront-Viewer-Address (ip:port, set by CloudFront
 * alone) goes along for a collector that prefers an address nobody can forge. The
 * collector believes the CloudFront-Viewer-* headers only next to ORIGIN_HEADER.
 */
export const API_FORWARDED_HEADERS = [
  'Content-Type',
  'User-Agent',
  'X-Forwarded-For',
  'CloudFront-Viewer-Country',
  'CloudFront-Viewer-Address',
] as const;

/**
 * The key, in either header the handlers read. CloudFront refuses Authorization in an
 * origin request policy (400): it forwards it only as part of a cache policy's key, so
 * both key headers are forwarded through the /api/* cache policy instead (a header
 * belongs in one of the two policies).
 */
export const API_KEY_HEADERS = ['Authorization', 'X-API-Key'] as const;

/** The tracker files the stack serves; the build must have produced them. */
export const TRACKER_FILE = 'liveinsight.js';

export interface StaticSiteProps {
  /** packages/dashboard/dist: index.html and its assets. */
  readonly dashboardDir: string;
  /** packages/sdk/dist/cdn: liveinsight.js and its extension build. */
  readonly trackerDir: string;
  /** The SDK's package version: the tracker is also served at /sdk/v<version>/. */
  readonly trackerVersion: string;
  readonly api: RestApi;
  /** Sent to the API as ORIGIN_HEADER on every /api/* request. */
  readonly originSecret: ISecret;
  readonly logRetention: RetentionDays;
}

/**
 * A private S3 bucket behind CloudFront (origin access control) that serves the
 * dashboard at `/`, the tracker at `/sdk/liveinsight.js` and, pinned, at
 * `/sdk/v<version>/liveinsight.js`, and routes `/api/*` to API Gateway, so that a site
 * sends its events to the same host that served the script (first-party: fewer
 * ad-block losses) and the dashboard calls its API without CORS.
 */
export class StaticSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    requireBuilt(join(props.dashboardDir, 'index.html'));
    requireBuilt(join(props.trackerDir, TRACKER_FILE));

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Only build output lives here; `cdk destroy` may empty and remove it.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const files = S3BucketOrigin.withOriginAccessControl(this.bucket);

    const apiRequests = new OriginRequestPolicy(this, 'ApiRequests', {
      originRequestPolicyName: `${Stack.of(this).stackName}-api`,
      comment: 'LiveInsight /api/*: the headers the collector reads, every query string, no cookies',
      headerBehavior: OriginRequestHeaderBehavior.allowList(...API_FORWARDED_HEADERS),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    // Keyed answers cannot be served to anyone else: the key headers and the query are in
    // the cache key, so a cached answer could only go back to a request with the same key
    // for the same query; and nothing is cached in the first place, since the collector
    // and the gateway answer `Cache-Control: no-store` and a response without it gets the
    // default TTL of 0. CloudFront refuses a cache key (headers, query strings) in a
    // policy whose TTLs are all 0, so the maximum is 1 s rather than 0: it only caps an
    // answer that asked to be cached, which none does.
    const apiCache = new CachePolicy(this, 'ApiCache', {
      cachePolicyName: `${Stack.of(this).stackName}-api`,
      comment: 'LiveInsight /api/*: forwards the key headers (in the key), caches nothing the API marks no-store',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList(...API_KEY_HEADERS),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      cookieBehavior: CacheCookieBehavior.none(),
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `LiveInsight ${Stack.of(this).stackName}`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: files,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      additionalBehaviors: {
        '/sdk/*': {
          origin: files,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          // Cross-origin readable, so that a site can pin the file with SRI (crossorigin).
          responseHeadersPolicy: ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
        },
        '/api/*': {
          origin: new RestApiOrigin(props.api, {
            // The value sits in the distribution's configuration (CloudFormation resolves
            // it at deploy time), never in a function's environment: the functions read
            // the secret by ARN. CloudFront replaces any viewer header of the same name.
            customHeaders: { [ORIGIN_HEADER]: props.originSecret.secretValue.unsafeUnwrap() },
          }),
          // A redirect would lose a POST body: plain HTTP is refused instead.
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: apiCache,
          originRequestPolicy: apiRequests,
        },
      },
    });

    // One log group for the deployment handler, which Lambda would otherwise keep forever.
    const deployLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const dashboard = new BucketDeployment(this, 'Dashboard', {
      sources: [
        Source.asset(props.dashboardDir, { exclude: ['config.json'] }),
        // The API is on the same host, under /api.
        Source.jsonData('config.json', { apiBase: '' }),
      ],
      destinationBucket: this.bucket,
      // The tracker has its own deployments; pruning must not remove them.
      exclude: ['sdk/*'],
      // Revalidated on every load (ETag): a deploy shows at once.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      logGroup: deployLogs,
    });
    new BucketDeployment(this, 'Tracker', {
      sources: [Source.asset(props.trackerDir)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'sdk/',
      // Pinned copies under sdk/v<version>/ must survive later deploys.
      prune: false,
      // Every page view fetches this URL: browsers keep it a day, the edge is
      // invalidated by each deploy.
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(1))],
      distribution: this.distribution,
      distributionPaths: ['/sdk/*'],
      logGroup: deployLogs,
    });
    new BucketDeployment(this, 'TrackerPinned', {
      sources: [Source.asset(props.trackerDir)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: `sdk/v${props.trackerVersion}/`,
      prune: false,
      // A versioned URL never changes content, so it may be cached for good.
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
      logGroup: deployLogs,
    });

    // The three deployments share one handler function that aws-cdk-lib provides.
    const deploymentHandler = dashboard.handlerRole.node.scope!;
    acknowledgeCurrentFindings(
      deploymentHandler,
      'AwsSolutions-IAM4',
      'The BucketDeployment handler (aws-cdk-lib) runs with AWSLambdaBasicExecutionRole.',
    );
    acknowledgeCurrentFindings(
      deploymentHandler,
      'AwsSolutions-IAM5',
      'Granted by BucketDeployment: it reads the build assets from the CDK staging bucket (s3:GetObject*, s3:List*) and writes and prunes objects in this bucket, wildcards over object keys of those two buckets; and it creates and polls CloudFront invalidations, actions for which it grants "*".',
    );
    acknowledgeCurrentFindings(
      deploymentHandler,
      'AwsSolutions-L1',
      'The BucketDeployment handler runs on the Python runtime that aws-cdk-lib pins for it and tests with its AWS CLI layer.',
    );
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'Server access logs would record the IP address of every visitor that loads the tracker, which LiveInsight promises not to keep; the bucket only holds public build output, written by deploys.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Access logs would record the IP address of every visitor of every tracked site, which LiveInsight promises not to keep. CloudFront metrics and the API\'s own access logs (without IPs) remain.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum TLS version; it can only be raised with a custom domain and certificate.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Analytics is collected from visitors of every country; there is nothing to restrict.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF by default (from about $6/month); the API behind /api/* is throttled at the stage and on each keyed route, and the collector limits failed key attempts per client.',
    );
  }
}

function requireBuilt(file: string): void {
  if (!existsSync(file)) {
    throw new Error(
      `${file} does not exist. The stack deploys the built dashboard and tracker: run \`npm run build\` at the repository root, then synthesise again.`,
    );
  }
}
