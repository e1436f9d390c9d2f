import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IApiKey,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  MockIntegration,
  type Resource,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Throttle } from './config.js';
import type { ApiFunctionId } from './functions.js';
import { acknowledge } from './nag.js';
import { CORS_HEADERS, RETRY_AFTER_S, ROUTES, type Route } from '@liveinsight/contract';

/** The route table and CORS headers are the collector's own (the contract package), so the gateway's answers match its handlers'. */
export { CORS_HEADERS, ROUTES };

/** A route's resource under /api: `/api/stats` → `stats`. */
export const pathPart = (route: Route): string => route.path.slice('/api/'.length);

/**
 * Answers API Gateway gives by itself, before any function runs, put into the JSON
 * envelope with CORS headers so that the dashboard can read them. An unknown path is
 * a 404 (API Gateway's default is a 403 "Missing Authentication Token"), a missing or
 * wrong key a 401, throttling a 429 the tracker retries after Retry-After.
 */
const GATEWAY_RESPONSES = [
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, statusCode: '404', message: '"Not found"' },
  { type: ResponseType.INVALID_API_KEY, statusCode: '401', message: '"Missing or invalid X-API-Key header"' },
  { type: ResponseType.THROTTLED, statusCode: '429', message: '"Too many requests"', retryAfter: true },
  { type: ResponseType.QUOTA_EXCEEDED, statusCode: '429', message: '"Too many requests"', retryAfter: true },
  { type: ResponseType.DEFAULT_4XX, message: '$context.error.messageString' },
  { type: ResponseType.DEFAULT_5XX, message: '$context.error.messageString' },
] as const;

export interface LiveInsightApiProps {
  readonly stage: string;
  /** The route handlers; any other function (the stream consumer) is ignored. */
  readonly functions: Record<ApiFunctionId, IFunction>;
  readonly readKey: IApiKey;
  readonly throttle: Throttle;
  readonly readThrottle: Throttle;
  readonly logRetention: RetentionDays;
}

/**
 * The REST API: /api/events (POST, public) and the reads /api/realtime, /api/stats,
 * /api/sites (GET, API key through a usage plan), each with a CORS preflight that API
 * Gateway answers itself with 204. Other methods reach the function, which answers 405
 * with an Allow header. The stage is throttled as a whole and the key on its own; access
 * logs leave out the caller's IP address and User-Agent, which LiveInsight never stores.
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
        // Per-method metrics are billed as custom metrics (about $6-18 a month here);
        // the free per-stage metrics are what the alarms watch.
        metricsEnabled: false,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request bodies carry page URLs and props: they stay out of the logs.
        dataTraceEnabled: false,
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
            apiKeyId: '$context.identity.apiKeyId',
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
    for (const route of ROUTES) {
      const resource = api.addResource(pathPart(route));
      // Test invocations from the console are not part of the deployment's permissions.
      const integration = new LambdaIntegration(props.functions[route.handler], { allowTestInvoke: false });
      resource.addMethod(route.method, integration, { apiKeyRequired: route.auth === 'read' });
      // Any other method goes to the same function, which answers 405 in the envelope.
      resource.addMethod('ANY', integration, { apiKeyRequired: false });
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

    const plan = this.restApi.addUsagePlan('ReadPlan', {
      name: `liveinsight-${props.stage}-read`,
      description: 'The dashboard and API clients holding the read key',
      throttle: props.readThrottle,
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
    plan.addApiKey(props.readKey);

    acknowledge(
      this.restApi,
      'AwsSolutions-APIG2',
      'The handlers validate every request and answer 400 with a precise message in the JSON envelope; a gateway validator would duplicate those rules and answer in another format.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG3',
      'No WAF by default (from about $6/month): the stage and the usage plan are throttled, the collector rejects oversized and malformed batches, and bots are answered without being counted.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG4',
      'By design: POST /api/events must be callable by any visitor\'s browser, and preflights carry no credentials; the reads require the API key through the usage plan and the handlers compare it again.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-COG4',
      'There are no user accounts to sign in: the dashboard and API clients hold the read key, which API Gateway enforces on the read routes.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level role that lets API Gateway write the access and execution logs; this AWS managed policy is the documented way to grant it.',
    );
  }
}

function addPreflight(resource: Resource): void {
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
      apiKeyRequired: false,
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
