import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodDeploymentOptions,
  MockIntegration,
  ResponseTransferMode,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Throttle } from './config.js';
import { FUNCTIONS, type ApiFunctionId, type FunctionSpec } from './functions.js';
import { acknowledge } from './nag.js';
import { CORS_HEADERS, pathsOf, RETRY_AFTER_S, ROUTES, type Route } from '@liveinsight/contract';

/** The route table and CORS headers are the collector's own (the contract package), so the gateway's answers match its handlers'. */
export { CORS_HEADERS, pathsOf, ROUTES };

/** The handler of a path's method, for a method `pathsOf()` lists for that path. */
const handlerOf = (path: string, method: string): Route['handler'] =>
  ROUTES.find((route) => route.path === path && route.method === method)!.handler;

/**
 * Answers API Gateway gives by itself, before any function runs, put into the JSON
 * envelope with CORS headers so that the dashboard can read them. An unknown path is
 * a 404 (API Gateway's default is a 403 "Missing Authentication Token"), throttling a
 * 429 the tracker retries after Retry-After. Keys are the handlers' business: the
 * gateway never answers 401 itself.
 */
const GATEWAY_RESPONSES = [
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, statusCode: '404', message: '"Not found"' },
  { type: ResponseType.THROTTLED, statusCode: '429', message: '"Too many requests"', retryAfter: true },
  { type: ResponseType.QUOTA_EXCEEDED, statusCode: '429', message: '"Too many requests"', retryAfter: true },
  { type: ResponseType.DEFAULT_4XX, message: '$context.error.messageString' },
  { type: ResponseType.DEFAULT_5XX, message: '$context.error.messageString' },
] as const;

const METHOD_LOGGING = {
  // Per-method metrics are billed as custom metrics (about $6-18 a month here);
  // the free per-stage metrics are what the alarms watch.
  metricsEnabled: false,
  loggingLevel: MethodLoggingLevel.ERROR,
  // Request bodies carry page URLs and props: they stay out of the logs.
  dataTraceEnabled: false,
} as const;

export interface LiveInsightApiProps {
  readonly stage: string;
  /** The route handlers; any other function (the stream consumer, the archive's transformation) is ignored. */
  readonly functions: Record<ApiFunctionId, IFunction>;
  /** The whole stage: every route, the public POST /api/events included. */
  readonly throttle: Throttle;
  /** Each keyed route's method on its own, shared by all its callers. */
  readonly readThrottle: Throttle;
  readonly logRetention: RetentionDays;
}

/**
 * The REST API, one resource per path of the route table (path parameters such as
 * `{site}` as resources of their own), each route's method integrated with its handler's
 * function and a CORS preflight that API Gateway answers itself with 204. Other methods
 * reach the path's function, which answers 405 with an Allow header. No method asks for
 * a key: the handlers check keys and scopes themselves (a usage-plan key could only say
 * "some key", never which site or scope). The stage is throttled as a whole and each
 * keyed route's method on its own; access logs leave out the caller's IP address and
 * User-Agent, which LiveInsight never stores.
 */
export class LiveInsightApi extends Construct {
  readonly restApi: RestApi;

  constructor(scope: Construct, id: string, props: LiveInsightApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `liveinsight-${props.stage}`,
      description: 'LiveInsight collector and read API',
      // CloudFront sits in front; an edge-optimized endpoint would add a second one.
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // API Gateway needs an account-level role to write any logs, access logs included.
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        ...METHOD_LOGGING,
        methodOptions: keyedMethodThrottles(props.readThrottle),
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            method: '$context.httpMethod',
            path: '$context.resourcePath',
            status: '$context.status',
            bytes: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            error: '$context.error.message',
          }),
        ),
      },
    });

    // Execution logs go to a group API Gateway would otherwise create with no expiry.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${props.stage}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi.deploymentStage.node.addDependency(executionLogs);

    const api = this.restApi.root.addResource('api');
    // Test invocations from the console are not part of the deployment's permissions. A
    // function that streams its answer (the export) is invoked with response streaming.
    const integration = (handler: ApiFunctionId) =>
      new LambdaIntegration(props.functions[handler], {
        allowTestInvoke: false,
        ...((FUNCTIONS[handler] as FunctionSpec).streamsResponse && { responseTransferMode: ResponseTransferMode.STREAM, timeout: Duration.minutes(15) }),
      });
    for (const [path, methods] of pathsOf()) {
      const resource = resourceAt(api, path);
      for (const method of methods) resource.addMethod(method, integration(handlerOf(path, method)));
      // Any other method goes to the path's first handler, which answers 405 in the envelope.
      resource.addMethod('ANY', integration(handlerOf(path, methods[0]!)));
      addPreflight(resource);
    }

    for (const response of GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(response.type.responseType, {
        type: response.type,
        ...('statusCode' in response && { statusCode: response.statusCode }),
        responseHeaders: {
          ...quoted(CORS_HEADERS),
          'Content-Type': "'application/json; charset=utf-8'",
          'Cache-Control': "'no-store'",
          ...('retryAfter' in response && { 'Retry-After': `'${RETRY_AFTER_S}'` }),
        },
        templates: { 'application/json': `{"status":"error","message":${response.message}}` },
      });
    }

    acknowledge(
      this.restApi,
      'AwsSolutions-APIG2',
      'The handlers validate every request and answer 400 with a precise message in the JSON envelope; a gateway validator would duplicate those rules and answer in another format.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG3',
      'No WAF by default (from about $6/month): the stage and each keyed route are throttled, the collector rejects oversized and malformed batches and limits failed key attempts per client, and bots are answered without being counted.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG4',
      'By design: POST /api/events must be callable by any visitor\'s browser, and preflights carry no credentials. Every other route is authorised by its handler, which checks the key (X-API-Key or Authorization: Bearer) against the keys table and the route\'s scope and sites; a gateway authorizer would cost a second invocation per request to repeat that check.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-COG4',
      'There are no user accounts to sign in: the dashboard and API clients hold scoped API keys (read, backfill, admin; per site), which the handlers check on every request.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level role that lets API Gateway write the access and execution logs; this AWS managed policy is the documented way to grant it.',
    );
  }
}

/** The resource of `/api/...`, its missing parents (`/api/sites/{site}` for `.../settings`) made on the way. */
function resourceAt(api: IResource, path: string): IResource {
  let resource = api;
  for (const part of path.slice('/api/'.length).split('/')) {
    resource = resource.getResource(part) ?? resource.addResource(part);
  }
  return resource;
}

/**
 * The keyed routes' methods each get the lower limit: a leaked or looping client of the
 * reads and admin routes cannot take the stage's capacity from the tracker's events.
 * Their ANY methods only answer 405 and stay under the stage's limit. A method's setting
 * replaces the stage's for that method, so it repeats the logging choices.
 */
function keyedMethodThrottles(throttle: Throttle): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    ROUTES.filter((route) => route.auth !== 'none').map((route) => [
      `${route.path}/${route.method}`,
      { ...METHOD_LOGGING, throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit },
    ]),
  );
}

function addPreflight(resource: IResource): void {
  const responseParameters = Object.fromEntries(
    Object.entries(quoted(CORS_HEADERS)).map(([name, value]) => [`method.response.header.${name}`, value]),
  );
  resource.addMethod(
    'OPTIONS',
    new MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [{ statusCode: '204', responseParameters }],
    }),
    {
      authorizationType: AuthorizationType.NONE,
      methodResponses: [
        {
          statusCode: '204',
          responseParameters: Object.fromEntries(Object.keys(responseParameters).map((key) => [key, true])),
        },
      ],
    },
  );
}

/** API Gateway reads static header values as quoted literals. */
function quoted(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`]));
}
