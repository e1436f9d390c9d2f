import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import { CORS_HEADERS, pathPart, ROUTES } from '../lib/api.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

describe('API', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Resources;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    resources = template.toJSON().Resources;
  });

  /** The methods of /api/<path>, by HTTP method. */
  const methodsOf = (path: string): Record<string, any> => {
    const [resourceId] = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === path,
    )!;
    return Object.fromEntries(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.ResourceId.Ref === resourceId)
        .map((r) => [r.Properties.HttpMethod as string, r.Properties]),
    );
  };

  const integratedFunction = (method: Record<string, any>) =>
    method.Integration.Uri['Fn::Join'][1].find((part: any) => part['Fn::GetAtt'])['Fn::GetAtt'][0];

  it('is a regional REST API named after the stage, deployed to stage dev by default', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'liveinsight-dev',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'dev' });
  });

  it('serves the four routes under /api, each through its own function', () => {
    for (const route of ROUTES) {
      const methods = methodsOf(pathPart(route));
      expect(Object.keys(methods).sort(), route.path).toEqual(['ANY', 'OPTIONS', route.method].sort());
      expect(methods[route.method].Integration.Type).toBe('AWS_PROXY');
      expect(integratedFunction(methods[route.method])).toBe(logicalId(stack, stack.functions[route.handler]));
    }
    const parent = Object.values(resources).find(
      (r) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === 'events',
    )!.Properties.ParentId.Ref;
    expect(resources[parent]!.Properties.PathPart).toBe('api');
  });

  it('keeps POST /api/events public and requires the API key on every read', () => {
    expect(methodsOf('events').POST.ApiKeyRequired).toBe(false);
    for (const path of ['realtime', 'stats', 'sites']) {
      expect(methodsOf(path).GET.ApiKeyRequired, path).toBe(true);
      expect(methodsOf(path).GET.AuthorizationType).toBe('NONE');
    }
  });

  it('sends other methods to the same function, which answers 405, without running it for a key', () => {
    for (const route of ROUTES) {
      const methods = methodsOf(pathPart(route));
      expect(methods.ANY.ApiKeyRequired).toBe(false);
      expect(integratedFunction(methods.ANY)).toBe(integratedFunction(methods[route.method]));
    }
  });

  it('answers every preflight itself with 204 and the CORS headers, no key asked', () => {
    for (const route of ROUTES) {
      const options = methodsOf(pathPart(route)).OPTIONS;
      expect(options.ApiKeyRequired).toBe(false);
      expect(options.Integration.Type).toBe('MOCK');
      const [response] = options.Integration.IntegrationResponses;
      expect(response.StatusCode).toBe('204');
      expect(response.ResponseParameters).toEqual(
        Object.fromEntries(Object.entries(CORS_HEADERS).map(([k, v]) => [`method.response.header.${k}`, `'${v}'`])),
      );
      expect(options.MethodResponses[0].StatusCode).toBe('204');
    }
  });

  it('lets API Gateway invoke each function only from its own route', () => {
    // The stream consumer needs no permission: its event source mapping invokes it.
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    // One per integrated method (route method + ANY), no console test-invoke permissions.
    expect(permissions).toHaveLength(ROUTES.length * 2);
    const consumer = logicalId(stack, stack.functions.aggregate);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).not.toContain('test-invoke-stage');
      expect(JSON.stringify(permission.Properties.FunctionName)).not.toContain(consumer);
    }
  });

  it('throttles the stage as a whole for the peak (2,000/s, burst 5,000) and the read key through the usage plan', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        Match.objectLike({
          ResourcePath: '/*',
          HttpMethod: '*',
          ThrottlingRateLimit: 2000,
          ThrottlingBurstLimit: 5000,
          MetricsEnabled: false,
          DataTraceEnabled: false,
        }),
      ],
    });
    const stageId = logicalId(stack, stack.api.restApi.deploymentStage);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      ApiStages: [Match.objectLike({ Stage: { Ref: stageId } })],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: logicalId(stack, stack.readKey.apiKey) },
      KeyType: 'API_KEY',
    });
  });

  it('takes the key value from the generated secret', () => {
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', {
      Enabled: true,
      Value: {
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: logicalId(stack, stack.readKey.secret) }, ':SecretString:::}}']],
      },
    });
  });

  it('writes JSON access logs without the caller\'s IP address or User-Agent, with a retention', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format as string);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/sourceIp|userAgent|xrayTraceId/);
    const group = resources[stage.Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0]]!;
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  it('creates the execution log group with a retention before the stage', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
    const groups = Object.entries(resources).filter(
      ([id, r]) => r.Type === 'AWS::Logs::LogGroup' && stage.DependsOn?.includes(id),
    );
    expect(groups).toHaveLength(1);
    expect(JSON.stringify(groups[0]![1].Properties.LogGroupName)).toContain('API-Gateway-Execution-Logs_');
    expect(groups[0]![1].Properties.RetentionInDays).toBe(30);
  });

  describe('gateway responses', () => {
    const response = (type: string) =>
      Object.values(resources).find(
        (r) => r.Type === 'AWS::ApiGateway::GatewayResponse' && r.Properties.ResponseType === type,
      )?.Properties;

    it('answers an unknown path 404 in the JSON envelope instead of 403', () => {
      expect(response('MISSING_AUTHENTICATION_TOKEN')).toMatchObject({
        StatusCode: '404',
        ResponseTemplates: { 'application/json': '{"status":"error","message":"Not found"}' },
      });
    });

    it('answers a missing or wrong key 401 in the envelope', () => {
      expect(response('INVALID_API_KEY')).toMatchObject({ StatusCode: '401' });
      expect(JSON.parse(response('INVALID_API_KEY')!.ResponseTemplates['application/json'])).toEqual({
        status: 'error',
        message: 'Missing or invalid X-API-Key header',
      });
    });

    it('answers throttling 429 with Retry-After, as the tracker expects', () => {
      expect(response('THROTTLED')).toMatchObject({
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.Retry-After': "'5'" },
      });
    });

    it('wraps every other 4xx and 5xx in the envelope', () => {
      for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
        expect(response(type)!.ResponseTemplates['application/json']).toBe(
          '{"status":"error","message":$context.error.messageString}',
        );
      }
    });

    it('carries the CORS headers on all of them, so that the dashboard can read the error', () => {
      const types = ['MISSING_AUTHENTICATION_TOKEN', 'INVALID_API_KEY', 'THROTTLED', 'QUOTA_EXCEEDED', 'DEFAULT_4XX', 'DEFAULT_5XX'];
      for (const type of types) {
        for (const [name, value] of Object.entries(CORS_HEADERS)) {
          expect(response(type)!.ResponseParameters[`gatewayresponse.header.${name}`], `${type} ${name}`).toBe(`'${value}'`);
        }
      }
    });
  });

  describe('next to the collector\'s own handlers', () => {
    let local: LocalStack;
    beforeAll(async () => {
      local = await startLocalStack({ port: 0 });
    });
    afterAll(async () => {
      await local?.close();
    });

    it('answers the preflight with exactly the headers the handlers send', async () => {
      for (const route of ROUTES) {
        const res = await fetch(`${local.url}${route.path}`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': route.method },
        });
        expect(res.status).toBe(204);
        for (const [name, value] of Object.entries(CORS_HEADERS)) {
          expect(res.headers.get(name), `${route.path} ${name}`).toBe(value);
        }
      }
    });

    it('sends the same CORS headers on errors as the gateway responses do', async () => {
      const res = await fetch(`${local.url}/api/events`, { method: 'GET' });
      expect(res.status).toBe(405);
      for (const [name, value] of Object.entries(CORS_HEADERS)) {
        expect(res.headers.get(name), name).toBe(value);
      }
    });
  });
});

describe('API with -c stage=prod', () => {
  it('deploys to that stage, names the API, plan and alarms after it', () => {
    const { template, stack } = synthesize({ context: { stage: 'prod' } });
    expect(stack.stackName).toBe('LiveInsight-prod');
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'liveinsight-prod' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { UsagePlanName: 'liveinsight-prod-read' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'liveinsight-prod-api-5xx' });
  });
});

describe('API with -c throttleRate and -c throttleBurst', () => {
  it('throttles the stage at the rate and burst given', () => {
    const { template } = synthesize({ context: { throttleRate: '300', throttleBurst: '600' } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 })],
    });
  });
});
