import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY_ENV } from '@liveinsight/collector/functions';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import { CORS_HEADERS, pathsOf, ROUTES } from '../lib/api.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { logicalId } from './support/iam.js';
import { synthesize } from './support/synth.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

const PATHS = [...pathsOf().keys()];
/** A request path for a route path: each parameter filled in. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'example.com');
/** The key of a stage method setting: API Gateway writes each `/` of the path as `~1`. */
const settingPath = (path: string) => `/${path.replaceAll('/', '~1')}`;

describe('API', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Resources;
  /** Each AWS::ApiGateway::Resource's full path, by logical id. */
  let pathOf: Map<string, string>;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    resources = template.toJSON().Resources;
    pathOf = new Map();
    const resolve = (id: string): string => {
      const { PathPart, ParentId } = resources[id]!.Properties;
      // The root resource is an attribute of the RestApi, not a resource of its own.
      const parent = ParentId.Ref ? resolve(ParentId.Ref as string) : '';
      return `${parent}/${PathPart as string}`;
    };
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type === 'AWS::ApiGateway::Resource') pathOf.set(id, resolve(id));
    }
  });

  /** The methods of a resource, by HTTP method. */
  const methodsOf = (path: string): Record<string, any> => {
    const [resourceId] = [...pathOf].find(([, p]) => p === path) ?? [];
    if (!resourceId) throw new Error(`no resource ${path}`);
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

  it('builds one resource per path of the route table, path parameters nested under their parents', () => {
    // A path's parents are resources too, routes or not (/api/v2 holds /api/v2/query only).
    const parents = PATHS.flatMap((path) =>
      path.split('/').slice(2, -1).map((_, i, parts) => `/api/${parts.slice(0, i + 1).join('/')}`),
    );
    expect([...pathOf.values()].sort()).toEqual([...new Set(['/api', ...PATHS, ...parents])].sort());
    expect(PATHS).toContain('/api/sites/{site}/settings');
    expect(PATHS).toEqual(expect.arrayContaining(['/api/v2/query', '/api/export']));
    // Each resource's parent is the path one segment shorter: {site} sits under /api/sites.
    for (const [id, path] of pathOf) {
      if (path === '/api') continue;
      const parent = resources[id]!.Properties.ParentId.Ref as string;
      expect(pathOf.get(parent), path).toBe(path.slice(0, path.lastIndexOf('/')));
    }
  });

  it('integrates every route\'s method with its handler\'s function, and nothing else', () => {
    for (const [path, methods] of pathsOf()) {
      expect(Object.keys(methodsOf(path)).sort(), path).toEqual([...methods, 'ANY', 'OPTIONS'].sort());
    }
    for (const route of ROUTES) {
      const method = methodsOf(route.path)[route.method];
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(integratedFunction(method), `${route.method} ${route.path}`).toBe(
        logicalId(stack, stack.functions[route.handler]),
      );
    }
    // The admin handler serves several paths; reads stay with their own functions.
    expect(integratedFunction(methodsOf('/api/sites').POST)).toBe(logicalId(stack, stack.functions.admin));
    expect(integratedFunction(methodsOf('/api/sites').GET)).toBe(logicalId(stack, stack.functions.sites));
  });

  it('serves the archive\'s routes, POST /api/v2/query from the query function and GET /api/export from the export function, with a preflight and the keyed throttle', () => {
    const query = logicalId(stack, stack.functions.query);
    const exporter = logicalId(stack, stack.functions.export);
    expect(integratedFunction(methodsOf('/api/v2/query').POST)).toBe(query);
    expect(integratedFunction(methodsOf('/api/export').GET)).toBe(exporter);
    for (const [path, fn] of [['/api/v2/query', query], ['/api/export', exporter]] as const) {
      expect(methodsOf(path).OPTIONS.Integration.Type, path).toBe('MOCK');
      expect(integratedFunction(methodsOf(path).ANY), path).toBe(fn);
    }
    // The export streams its answer (InvokeWithResponseStream), for up to 15 minutes; the rest are buffered.
    for (const method of [methodsOf('/api/export').GET, methodsOf('/api/export').ANY]) {
      expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM', TimeoutInMillis: 900_000 });
      expect(JSON.stringify(method.Integration.Uri)).toContain('/response-streaming-invocations');
    }
    expect(methodsOf('/api/v2/query').POST.Integration.ResponseTransferMode).toBeUndefined();
    expect(resources[logicalId(stack, stack.functions.export)]!.Properties.Timeout).toBe(900);
    // /api/v2 is only the parent: no method, so API Gateway answers it 404 (MISSING_AUTHENTICATION_TOKEN).
    expect(methodsOf('/api/v2')).toEqual({});
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
    const settings = stage.Properties.MethodSettings as Record<string, unknown>[];
    for (const [path, method] of [['/api/v2/query', 'POST'], ['/api/export', 'GET']] as const) {
      expect(settings.find((s) => s.ResourcePath === settingPath(path) && s.HttpMethod === method), path).toMatchObject({
        ThrottlingRateLimit: 20,
        ThrottlingBurstLimit: 40,
      });
    }
  });

  it('asks no method for an API Gateway key: no usage plan, no gateway key, no authorizer', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBe(ROUTES.length + PATHS.length * 2);
    for (const method of methods) {
      expect(method.Properties.ApiKeyRequired ?? false).toBe(false);
      expect(method.Properties.AuthorizationType).toBe('NONE');
    }
    for (const type of ['AWS::ApiGateway::ApiKey', 'AWS::ApiGateway::UsagePlan', 'AWS::ApiGateway::UsagePlanKey', 'AWS::ApiGateway::Authorizer']) {
      template.resourceCountIs(type, 0);
    }
  });

  it('sends other methods of a path to its first route\'s function, which answers 405', () => {
    for (const [path, methods] of pathsOf()) {
      const first = ROUTES.find((route) => route.path === path && route.method === methods[0])!;
      expect(integratedFunction(methodsOf(path).ANY), path).toBe(logicalId(stack, stack.functions[first.handler]));
    }
  });

  it('answers every preflight itself with 204 and the CORS headers', () => {
    expect(CORS_HEADERS['Access-Control-Allow-Methods']).toBe('GET, POST, PUT, DELETE, OPTIONS');
    for (const path of PATHS) {
      const options = methodsOf(path).OPTIONS;
      expect(options.Integration.Type, path).toBe('MOCK');
      const [response] = options.Integration.IntegrationResponses;
      expect(response.StatusCode).toBe('204');
      expect(response.ResponseParameters).toEqual(
        Object.fromEntries(Object.entries(CORS_HEADERS).map(([k, v]) => [`method.response.header.${k}`, `'${v}'`])),
      );
      expect(options.MethodResponses[0].StatusCode).toBe('204');
    }
  });

  it('lets API Gateway invoke each function only for its own methods and paths', () => {
    // What each permission allows: function, then `METHOD/path` as API Gateway matches it
    // (`*` for ANY and for each path parameter).
    const allowed = Object.values(template.findResources('AWS::Lambda::Permission')).map((permission) => {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      const arn = permission.Properties.SourceArn['Fn::Join'][1] as unknown[];
      const tail = arn[arn.length - 1] as string;
      expect(tail).not.toContain('test-invoke-stage');
      return `${permission.Properties.FunctionName['Fn::GetAtt'][0] as string} ${tail.replace(/^\//, '')}`;
    });
    const expected = [
      ...ROUTES.map((route) => [route.handler, route.method, route.path] as const),
      ...[...pathsOf()].map(([path, methods]) => [ROUTES.find((r) => r.path === path && r.method === methods[0])!.handler, '*', path] as const),
    ].map(([handler, method, path]) => `${logicalId(stack, stack.functions[handler])} ${method}${path.replace(/\{[^}]+\}/g, '*')}`);
    expect(allowed.sort()).toEqual(expected.sort());
    // The stream consumer needs no permission: its event source mapping invokes it.
    expect(allowed.join('\n')).not.toContain(logicalId(stack, stack.functions.aggregate));
  });

  it('throttles the stage as a whole for the peak (2,000/s, burst 5,000) and each keyed route\'s method at 20/s, burst 40', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
    const settings = stage.Properties.MethodSettings as Record<string, unknown>[];
    const keyed = ROUTES.filter((route) => route.auth !== 'none');
    expect(keyed.length).toBeGreaterThan(0);
    expect(settings).toHaveLength(1 + keyed.length);
    expect(settings).toContainEqual({
      ResourcePath: '/*',
      HttpMethod: '*',
      ThrottlingRateLimit: 2000,
      ThrottlingBurstLimit: 5000,
      MetricsEnabled: false,
      LoggingLevel: 'ERROR',
      DataTraceEnabled: false,
    });
    for (const route of keyed) {
      // A method's own setting replaces the stage's, logging included.
      expect(settings, `${route.method} ${route.path}`).toContainEqual({
        ResourcePath: settingPath(route.path),
        HttpMethod: route.method,
        ThrottlingRateLimit: 20,
        ThrottlingBurstLimit: 40,
        MetricsEnabled: false,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      });
    }
    // The tracker's events share only the stage's limit.
    expect(settings.filter((s) => s.ResourcePath === settingPath('/api/events'))).toEqual([]);
  });

  it('writes JSON access logs without the caller\'s IP address or User-Agent, with a retention', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format as string);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/sourceIp|userAgent|xrayTraceId|apiKey/);
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

    it('leaves keys to the handlers: no gateway response for a gateway key', () => {
      expect(response('INVALID_API_KEY')).toBeUndefined();
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

    it('carries the CORS headers on all of them, so that the dashboard can read the error, and no-store', () => {
      const types = ['MISSING_AUTHENTICATION_TOKEN', 'THROTTLED', 'QUOTA_EXCEEDED', 'DEFAULT_4XX', 'DEFAULT_5XX'];
      for (const type of types) {
        // CloudFront caches nothing marked no-store (site.test.ts).
        expect(response(type)!.ResponseParameters['gatewayresponse.header.Cache-Control'], type).toBe("'no-store'");
        for (const [name, value] of Object.entries(CORS_HEADERS)) {
          expect(response(type)!.ResponseParameters[`gatewayresponse.header.${name}`], `${type} ${name}`).toBe(`'${value}'`);
        }
      }
    });
  });

  describe('next to the collector\'s own handlers', () => {
    const adminKey = 'infra-test-admin-key-0123456789';
    let local: LocalStack;
    let before: string | undefined;
    beforeAll(async () => {
      // The local stack takes the bootstrap admin key itself (AWS gives the secret's ARN).
      before = process.env[ADMIN_KEY_ENV];
      process.env[ADMIN_KEY_ENV] = adminKey;
      local = await startLocalStack({ port: 0 });
    });
    afterAll(async () => {
      await local?.close();
      if (before === undefined) delete process.env[ADMIN_KEY_ENV];
      else process.env[ADMIN_KEY_ENV] = before;
    });

    it('marks keyed answers and refusals no-store, so that CloudFront caches none (site.test.ts)', async () => {
      const answers = [
        ['no key', await fetch(`${local.url}/api/key`)],
        ['X-API-Key', await fetch(`${local.url}/api/key`, { headers: { 'X-API-Key': adminKey } })],
        ['Authorization', await fetch(`${local.url}/api/key`, { headers: { Authorization: `Bearer ${adminKey}` } })],
      ] as const;
      expect(answers.map(([, res]) => res.status)).toEqual([401, 200, 200]);
      for (const [how, res] of answers) expect(res.headers.get('Cache-Control'), how).toBe('no-store');
    });

    it('answers the preflight with exactly the headers the handlers send', async () => {
      for (const route of ROUTES) {
        const res = await fetch(`${local.url}${concrete(route.path)}`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': route.method },
        });
        expect(res.status, `${route.method} ${route.path}`).toBe(204);
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
  it('deploys to that stage, names the API and alarms after it', () => {
    const { template, stack } = synthesize({ context: { stage: 'prod' } });
    expect(stack.stackName).toBe('LiveInsight-prod');
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'liveinsight-prod' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'liveinsight-prod-api-5xx' });
  });
});

describe('API with -c throttleRate and -c throttleBurst', () => {
  it('throttles the stage at the rate and burst given', () => {
    const { template } = synthesize({ context: { throttleRate: '300', throttleBurst: '600' } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 })]),
    });
  });
});

describe('API with -c readThrottleRate and -c readThrottleBurst', () => {
  it('throttles each keyed route\'s method at the rate and burst given, the stage as before', () => {
    const { template } = synthesize({ context: { readThrottleRate: '5', readThrottleBurst: '10' } });
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0]!;
    const settings = stage.Properties.MethodSettings as Record<string, unknown>[];
    expect(settings.find((s) => s.ResourcePath === settingPath('/api/stats') && s.HttpMethod === 'GET')).toMatchObject({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
    expect(settings.find((s) => s.ResourcePath === '/*')).toMatchObject({ ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 5000 });
  });
});
