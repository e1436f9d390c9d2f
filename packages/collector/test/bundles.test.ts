/**
 * The built Lambda bundles, run as Lambda runs them: each handler bundled by esbuild with
 * the options infra uses (bench/bundles.ts), imported by Node 22 (the runtime's version)
 * in a fresh process with the environment the function has in AWS, and called with the
 * events API Gateway (REST API proxy integration, payload v1) and the Kinesis event
 * source mapping send. The tables are dynalite's; Kinesis is a small stand-in below that
 * speaks PutRecords (JSON 1.1, as @aws-sdk/client-kinesis sends it) and keeps the records,
 * which are then handed to the consumer's bundle as Lambda would; Secrets Manager is
 * another, which answers GetSecretValue for the bootstrap admin key's secret, the only
 * form in which a function is given that key.
 *
 * What the sources' tests cannot see: a dependency esbuild resolves differently from
 * Node (main fields, CommonJS interop, the createRequire banner), code Node 22 runs
 * differently from the test's Node, an environment variable a function is not given in
 * AWS, the real AWS SDK path to Kinesis (the other tests install a stand-in stream).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { EventsData, RealtimeData, SitesData, StatsData } from '@liveinsight/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, HANDLERS, NODE22, type HandlerName } from '../bench/bundles.js';
import { decodeRecord } from '../src/stream/record.js';
import { shardIndex, shardName } from '../src/stream/sequence.js';
import { ADMIN_SECRET_ENV, DEFAULT_MEMORY_MB, FUNCTIONS, ORIGIN_HEADER, ORIGIN_SECRET_ENV, takesApiKey, type FunctionSpec } from '../src/functions.js';
import { EVENTS_STREAM, TABLES, type TableId } from '../src/store/tables.js';
import { CHROME_UA, IPHONE_UA, newSessionId, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';

const run = promisify(execFile);

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STREAM_NAME = `liveinsight-events-${randomUUID().slice(0, 8)}`;
const API_KEY = `key-${randomUUID()}`;
const ADMIN_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:liveinsight-admin-${randomUUID().slice(0, 6)}`;
const ORIGIN_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:liveinsight-origin-${randomUUID().slice(0, 6)}`;
const ORIGIN_SECRET = `origin-${randomUUID()}`;
const SECRETS: Record<string, string> = { [ADMIN_SECRET_ARN]: API_KEY, [ORIGIN_SECRET_ARN]: ORIGIN_SECRET };
const SHARDS = 2;


// ------------------------------------------------------------------ a Secrets Manager stand-in

/** Answers GetSecretValue (secretsmanager, JSON 1.1) for the two secrets the API functions are given. */
function secretsStandIn() {
  const calls: { target: string; secretId: string | undefined; signed: boolean }[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const input = safeJson(Buffer.concat(chunks).toString('utf8'));
      const target = String(req.headers['x-amz-target'] ?? '');
      calls.push({ target, secretId: input?.SecretId, signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256') });
      const value = target === 'secretsmanager.GetSecretValue' ? SECRETS[input?.SecretId] : undefined;
      res.writeHead(value !== undefined ? 200 : 400, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(
        JSON.stringify(
          value !== undefined
            ? { ARN: input.SecretId, Name: 'liveinsight', SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 }
            : { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
        ),
      );
    });
  });
  return {
    calls,
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ------------------------------------------------------------------ a Kinesis stand-in

interface PutRecordsInput {
  StreamName?: string;
  StreamARN?: string;
  Records: { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
}

interface CapturedRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's bytes, base64, as GetRecords (and so Lambda) hands them on. */
  data: string;
  arrivedAt: number;
}

/** Kinesis sequence numbers are long decimal strings that grow within a shard. */
const SEQUENCE_BASE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/**
 * Answers PutRecords (Kinesis_20131202, JSON 1.1) the way Kinesis does and keeps what it took.
 * Over HTTP/2: @aws-sdk/client-kinesis sends every call through its NodeHttp2Handler (an
 * http:// endpoint is cleartext HTTP/2 with prior knowledge), as it does to AWS.
 */
function kinesisStandIn() {
  const records: CapturedRecord[] = [];
  const calls: { target: string; streamName: string | undefined; contentType: string | undefined; signed: boolean }[] = [];
  const counters = new Array<bigint>(SHARDS).fill(0n);
  const answer = (res: Http2ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  };
  const server: Http2Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    calls.push({
      target,
      streamName: safeJson(body)?.StreamName,
      contentType: req.headers['content-type'],
      signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
    });
    if (target !== 'Kinesis_20131202.PutRecords') {
      return answer(res, 400, { __type: 'UnknownOperationException', message: `not in the stand-in: ${target}` });
    }
    const input = safeJson(body) as PutRecordsInput | undefined;
    if (!input || !Array.isArray(input.Records) || input.StreamName !== STREAM_NAME) {
      return answer(res, 400, { __type: 'ResourceNotFoundException', message: `Stream ${input?.StreamName} under account ${ACCOUNT} not found.` });
    }
    const now = Date.now();
    const out = input.Records.map((record) => {
      const shard = shardIndex(record.PartitionKey, SHARDS);
      counters[shard]! += 1n;
      const captured: CapturedRecord = {
        shardId: shardName(shard),
        sequenceNumber: String(SEQUENCE_BASE + counters[shard]! * 1_000n + BigInt(shard)),
        partitionKey: record.PartitionKey,
        data: record.Data,
        arrivedAt: now,
      };
      records.push(captured);
      return { SequenceNumber: captured.sequenceNumber, ShardId: captured.shardId };
    });
    answer(res, 200, { FailedRecordCount: 0, Records: out });
  });
  return {
    records,
    calls,
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: Http2ServerRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ the events Lambda is given

/**
 * An API Gateway REST API proxy event (payload format 1.0), shaped as the documented
 * sample (`sam local generate-event apigateway aws-proxy`): CloudFront's headers, the
 * multi-value copies, the request context with the caller's identity.
 */
function proxyEvent(options: {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
  /** The resource template, when the path has parameters (`/api/sites/{site}`). */
  resource?: string;
  pathParameters?: Record<string, string>;
  path: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
  base64?: boolean;
  sourceIp?: string;
  userAgent?: string;
  /** Sent straight to API Gateway, not through our CloudFront distribution (which adds ORIGIN_HEADER). */
  direct?: boolean;
}): APIGatewayProxyEvent {
  const userAgent = options.userAgent ?? CHROME_UA;
  const sourceIp = options.sourceIp ?? '198.51.100.23';
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Accept-Encoding': 'gzip, deflate, br',
    'CloudFront-Forwarded-Proto': 'https',
    'CloudFront-Is-Desktop-Viewer': 'true',
    'CloudFront-Is-Mobile-Viewer': 'false',
    'CloudFront-Is-SmartTV-Viewer': 'false',
    'CloudFront-Is-Tablet-Viewer': 'false',
    'CloudFront-Viewer-Country': 'US',
    Host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
    'User-Agent': userAgent,
    Via: '2.0 a3650115c5e21e2b5d133ce84464bea3.cloudfront.net (CloudFront)',
    'X-Amz-Cf-Id': 'eXAMPLEcXWrRFZs3wpDLrqTcfEzYHaj4Nm4w-PSNAMmW1X8CnC0DBQ==',
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    'X-Forwarded-For': `${sourceIp}, 130.176.0.1`,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...(options.direct ? {} : { [ORIGIN_HEADER]: ORIGIN_SECRET, 'CloudFront-Viewer-Address': `${sourceIp}:51234` }),
    ...options.headers,
  };
  const query = options.query ?? null;
  const now = Date.now();
  return {
    resource: options.resource ?? options.path,
    path: options.path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abcdef1234',
      authorizer: null,
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      extendedRequestId: 'EXAMPLEgIAMEJyA=',
      httpMethod: options.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/prod${options.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: 'abc123',
      resourcePath: options.path,
      stage: 'prod',
    },
    body: options.body === undefined ? null : options.base64 ? Buffer.from(options.body, 'utf8').toString('base64') : options.body,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** The event the Kinesis event source mapping hands the consumer: one shard's records, in order (AWS docs' sample). */
function kinesisStreamEvent(records: readonly CapturedRecord[]): KinesisStreamEvent {
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: record.data,
        approximateArrivalTimestamp: record.arrivedAt / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${record.shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/liveinsight-aggregate`,
      awsRegion: REGION,
      eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${STREAM_NAME}`,
    })),
  };
}

// ------------------------------------------------------------------ running a bundle

/**
 * Imports the bundle, calls its handler with the event (a file) and a context, writes the
 * result to a file: stdout stays the function's log, as in Lambda.
 */
const RUNNER = `import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
const [bundleUrl, eventPath, resultPath] = process.argv.slice(2);
// Lambda's Node runtime gives a streamified handler (event, responseStream, context).
globalThis.awslambda = { streamifyResponse: (fn) => Object.assign(fn, { streamified: true }) };
const { handler } = await import(bundleUrl);
if (typeof handler !== 'function') throw new Error('the bundle exports no handler');
const event = JSON.parse(readFileSync(eventPath, 'utf8'));
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':${ACCOUNT}:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: crypto.randomUUID(),
  logGroupName: '/aws/lambda/' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {}, fail() {}, succeed() {},
};
let result;
if (handler.streamified) {
  const chunks = [];
  let contentType;
  const stream = new Writable({ write(chunk, _encoding, done) { chunks.push(Buffer.from(chunk)); done(); } });
  stream.setContentType = (type) => { contentType = type; };
  await handler(event, stream, context);
  result = { streamed: { contentType, ended: stream.writableEnded, bytes: Buffer.concat(chunks).toString('base64') } };
} else {
  result = await handler(event, context);
}
writeFileSync(resultPath, JSON.stringify(result ?? null));
// Lambda freezes the process once the handler answers; open sockets must not keep it alive here.
process.exit(0);
`;

// Each invocation is a fresh Node 22 process (a cold start): generous on a busy machine.
describe('the built Lambda bundles under Node 22', { timeout: 60_000 }, () => {
  const store = useTestStore();
  const kinesis = kinesisStandIn();
  const secrets = secretsStandIn();
  let dir: string;
  let kinesisEndpoint: string;
  let secretsEndpoint: string;
  const bundles = new Map<HandlerName, string>();
  const inputs = new Map<HandlerName, string[]>();
  let invocations = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'liveinsight-bundles-test-'));
    const [endpoint, secretsAt] = await Promise.all([
      kinesis.start(),
      secrets.start(),
      writeFile(join(dir, 'runner.mjs'), RUNNER),
      ...HANDLERS.map(async (name) => {
        const bundle = await bundleHandler(name, dir);
        bundles.set(name, bundle.path!);
        inputs.set(name, Object.keys(bundle.metafile.inputs));
      }),
    ]);
    kinesisEndpoint = endpoint;
    secretsEndpoint = secretsAt;
  }, 60_000);

  it('the archive bundle turns a Firehose batch of stream lines into archive records, under Node 22', async () => {
    const line = JSON.stringify({ v: 1, site, session: 's-1', id: 'e-1', type: 'page_view', time: now, received: now, url: `https://${site}/a?utm_source=x`, ref: '', br: 'Chrome', os: 'Linux', dev: 'desktop', cc: 'SE', vh: 'h', ch: 'c' });
    const result = await invoke<{ records: { recordId: string; result: string; data: string }[] }>('archive', {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/archive',
      region: 'eu-west-1',
      records: [{ recordId: 'r1', approximateArrivalTimestamp: now, data: Buffer.from(line).toString('base64') }],
    });
    expect(result.records.map((r) => [r.recordId, r.result])).toEqual([['r1', 'Ok']]);
    expect(JSON.parse(Buffer.from(result.records[0]!.data, 'base64').toString('utf8'))).toMatchObject({ site, id: 'e-1', path: '/a', utm_source: 'x', kind: 'pageview' });
  });

  it('leaves DuckDB out of every bundle: it is the local engine only (Lambda queries go to Athena)', () => {
    expect([...inputs.keys()].sort()).toEqual([...HANDLERS].sort());
    for (const [name, files] of inputs) {
      expect(files.length, name).toBeGreaterThan(10);
      expect(files.filter((f) => /duckdb/i.test(f)), name).toEqual([]);
    }
    // The query and export functions do bundle their engine, Athena's client.
    for (const name of ['query', 'export'] as const) expect(inputs.get(name)!.some((f) => f.includes('client-athena')), name).toBe(true);
  });

  it('the export bundle streams its answer in API Gateway\'s format (prelude, eight NUL bytes, body), a refusal included, under Node 22', async () => {
    const result = await invoke<{ streamed: { contentType: string; ended: boolean; bytes: string } }>(
      'export',
      proxyEvent({ method: 'GET', path: '/api/export', headers: { 'X-API-Key': API_KEY }, query: { site_id: site, from: '2026-12-01', to: 'soon' } }),
    );
    expect(result.streamed.contentType).toBe('application/vnd.awslambda.http-integration-response');
    expect(result.streamed.ended).toBe(true);
    const bytes = Buffer.from(result.streamed.bytes, 'base64');
    const at = bytes.indexOf(Buffer.alloc(8));
    const prelude = JSON.parse(bytes.subarray(0, at).toString('utf8'));
    // The request accepts gzip, as a browser's through CloudFront does.
    expect(prelude).toMatchObject({ statusCode: 400, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' } });
    expect(JSON.parse(gunzipSync(bytes.subarray(at + 8)).toString('utf8'))).toEqual({ status: 'error', message: 'to: a date, YYYY-MM-DD' });
  });

  afterAll(async () => {
    await Promise.all([kinesis.close(), secrets.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The function's environment in AWS, with the endpoints pointed here and dummy credentials. */
  function lambdaEnv(name: HandlerName): NodeJS.ProcessEnv {
    const spec: FunctionSpec = FUNCTIONS[name];
    return {
      PATH: process.env.PATH,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'local-session-token',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: `liveinsight-${name}`,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? DEFAULT_MEMORY_MB),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: dir,
      NODE_OPTIONS: '--enable-source-maps',
      // Where the SDK's clients send their calls: the only difference from AWS. The code
      // takes its AWS path (no DYNAMODB_ENDPOINT): default clients, credentials from the env.
      AWS_ENDPOINT_URL_DYNAMODB: store.endpoint(),
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
      // What infra/lib/functions.ts gives it from the same FUNCTIONS: a table it is not given
      // stays unnamed here too, so a handler that reached for one would fail.
      ...Object.fromEntries((Object.keys(spec.tables) as TableId[]).map((id) => [TABLES[id].envVar, process.env[TABLES[id].envVar]])),
      ...(spec.stream === 'put' ? { [EVENTS_STREAM.envVar]: STREAM_NAME } : {}),
      // The bootstrap admin key by its secret's ARN, never the key: as infra gives it.
      ...(takesApiKey(name) ? { [ADMIN_SECRET_ENV]: ADMIN_SECRET_ARN, [ORIGIN_SECRET_ENV]: ORIGIN_SECRET_ARN } : {}),
    };
  }

  /** One invocation in a fresh Node 22 process (a cold start); the handler's answer. */
  async function invoke<T>(name: HandlerName, event: unknown): Promise<T> {
    const n = ++invocations;
    const eventPath = join(dir, `event-${n}.json`);
    const resultPath = join(dir, `result-${n}.json`);
    await writeFile(eventPath, JSON.stringify(event));
    try {
      await run(NODE22, [join(dir, 'runner.mjs'), pathToFileURL(bundles.get(name)!).href, eventPath, resultPath], {
        env: lambdaEnv(name),
        cwd: dir,
        timeout: 30_000,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${name} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    return JSON.parse(await readFile(resultPath, 'utf8')) as T;
  }

  const api = (name: HandlerName, event: APIGatewayProxyEvent) => invoke<APIGatewayProxyResult>(name, event);
  const body = (result: APIGatewayProxyResult) => JSON.parse(result.body) as { status: string; data?: any; message?: string };
  const read = (path: string, query?: Record<string, string>) =>
    proxyEvent({ method: 'GET', path, headers: { 'X-API-Key': API_KEY }, ...(query ? { query } : {}) });

  const site = `bundles-${randomUUID().slice(0, 8)}.test`;
  const now = Date.now();
  const desktop = [newSessionId('desk'), newSessionId('desk')];
  const phone = newSessionId('phone');
  const at = (secondsAgo: number) => now - secondsAgo * 1000;
  /** What was sent, as the ground truth of the counts. */
  const desktopBatch = [
    wireEvent({ site, session: desktop[0]!, at: at(30), url: `https://${site}/`, referrer: 'https://www.google.com/' }),
    wireEvent({ site, session: desktop[0]!, at: at(20), url: `https://${site}/pricing` }),
    wireEvent({ site, session: desktop[0]!, at: at(15), type: 'signup_click', url: `https://${site}/pricing`, props: { plan: 'pro' } }),
    wireEvent({ site, session: desktop[1]!, at: at(10), url: `https://${site}/docs` }),
    // Invalid: the session id is too short. The others still count.
    { ...wireEvent({ site, session: desktop[1]!, at: at(5) }), session_id: 'short' },
  ];
  const phoneBatch = [wireEvent({ site, session: phone, at: at(8), url: `https://${site}/` })];
  const truth = { pageviews: 4, events: 1, sessions: 3, visitors: 2 };

  it('POST /api/sites: the admin bundle registers the site with the key it reads from Secrets Manager', async () => {
    const unknown = await api(
      'events',
      proxyEvent({ method: 'POST', path: '/api/events', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify({ events: phoneBatch }) }),
    );
    // Not registered yet (no auto-registration in AWS): answered as usual, stored nowhere.
    expect(unknown.statusCode, unknown.body).toBe(200);
    expect(kinesis.records).toHaveLength(0);

    const created = await api(
      'admin',
      proxyEvent({ method: 'POST', path: '/api/sites', headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify({ site_id: site, hostnames: [site] }) }),
    );
    expect(created.statusCode, created.body).toBe(200);
    expect(body(created).data).toMatchObject({ site_id: site, settings: { hostnames: [site] } });
    expect(secrets.calls).toContainEqual({ target: 'secretsmanager.GetSecretValue', secretId: ADMIN_SECRET_ARN, signed: true });

    const settings = await api(
      'admin',
      proxyEvent({ method: 'GET', path: `/api/sites/${site}/settings`, resource: '/api/sites/{site}/settings', pathParameters: { site }, headers: { 'X-API-Key': API_KEY } }),
    );
    expect(settings.statusCode, settings.body).toBe(200);
    expect(body(settings).data.settings).toEqual({ hostnames: [site] });
  });

  it('POST /api/events: the bundle validates, answers, and puts one record per session on Kinesis through the SDK', async () => {
    const result = await api(
      'events',
      proxyEvent({
        method: 'POST',
        path: '/api/events',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'CloudFront-Viewer-Country': 'DE' },
        body: JSON.stringify({ events: desktopBatch, sent_at: Date.now() }),
        sourceIp: '198.51.100.23',
      }),
    );
    expect(result.statusCode, result.body).toBe(200);
    expect(result.headers?.['Content-Type']).toMatch(/^application\/json/);
    const data = body(result).data as EventsData;
    expect(data.accepted).toBe(4);
    expect(data.duplicates).toBe(0);
    expect(data.rejected).toEqual([{ index: 4, reason: expect.stringMatching(/^session_id/) }]);

    // The SDK's own call: JSON 1.1, signed, to the stream the function is given.
    expect(kinesis.calls).toEqual([
      { target: 'Kinesis_20131202.PutRecords', streamName: STREAM_NAME, contentType: 'application/x-amz-json-1.1', signed: true },
    ]);
    expect(kinesis.records).toHaveLength(2);
    const lines = kinesis.records.flatMap((record) => decodeRecord(Buffer.from(record.data, 'base64').toString('utf8')).events);
    expect(lines.map((line) => line.id).sort()).toEqual(desktopBatch.slice(0, 4).map((e) => e.event_id).sort());
    for (const line of lines) {
      expect(line).toMatchObject({ site, br: 'Chrome', os: 'Windows', dev: 'desktop', cc: 'DE' });
      // A record carries no address and no User-Agent.
      expect(JSON.stringify(line)).not.toMatch(/198\.51\.100\.23|Mozilla/);
    }
    expect(new Set(kinesis.records.map((record) => record.partitionKey)).size).toBe(2);
  });

  it('POST /api/events with a base64 body (isBase64Encoded) from a phone', async () => {
    const result = await api(
      'events',
      proxyEvent({
        method: 'POST',
        path: '/api/events',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'CloudFront-Viewer-Country': 'FR', 'CloudFront-Is-Mobile-Viewer': 'true' },
        body: JSON.stringify({ events: phoneBatch, sent_at: Date.now() }),
        base64: true,
        sourceIp: '203.0.113.99',
        userAgent: IPHONE_UA,
      }),
    );
    expect(result.statusCode, result.body).toBe(200);
    expect(body(result).data).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(kinesis.records).toHaveLength(3);
  });

  it('the consumer bundle counts the records Kinesis took, one batch per shard, and a redelivery counts nothing twice', async () => {
    expect(kinesis.records).toHaveLength(3);
    const shards = [...new Set(kinesis.records.map((record) => record.shardId))].sort();
    const deliver = async () => {
      for (const shardId of shards) {
        const batch = kinesis.records.filter((record) => record.shardId === shardId);
        const response = await invoke<KinesisStreamBatchResponse>('aggregate', kinesisStreamEvent(batch));
        expect(response).toEqual({ batchItemFailures: [] });
      }
    };
    await deliver();
    const first = body(await api('stats', read('/api/stats', { site_id: site, period: '24h' }))).data as StatsData;
    expect(first.totals).toMatchObject(truth);
    // Lambda delivers a batch again after a timeout or a crash after the writes.
    await deliver();
    const again = body(await api('stats', read('/api/stats', { site_id: site, period: '24h' }))).data as StatsData;
    expect(again.totals).toEqual(first.totals);
  });

  it('GET /api/stats: the totals are what was sent', async () => {
    const result = await api('stats', read('/api/stats', { site_id: site, period: '24h', include: 'health' }));
    expect(result.statusCode, result.body).toBe(200);
    const data = body(result).data as StatsData;
    expect(data.site_id).toBe(site);
    expect(data.totals).toMatchObject(truth);
    expect(data.timeseries.reduce((sum, point) => sum + point.pageviews, 0)).toBe(truth.pageviews);
    const pages = Object.fromEntries(data.breakdowns.pages.map((row) => [row.value, row.pageviews]));
    expect(pages).toMatchObject({ '/': 2, '/pricing': 1, '/docs': 1 });
  });

  it('GET /api/realtime and GET /api/sites answer with the site', async () => {
    const realtime = await api('realtime', read('/api/realtime', { site_id: site, minutes: '5' }));
    expect(realtime.statusCode, realtime.body).toBe(200);
    const live = body(realtime).data as RealtimeData;
    expect(live).toMatchObject({ site_id: site, minutes: 5, active_sessions: truth.sessions });

    const sites = await api('sites', read('/api/sites'));
    expect(sites.statusCode, sites.body).toBe(200);
    const listed = (body(sites).data as SitesData).sites.find((entry) => entry.site_id === site);
    expect(listed).toMatchObject({ site_id: site, pageviews_24h: truth.pageviews });
  });

  it('believes CloudFront-Viewer-* only on requests that came through the distribution', async () => {
    const forgedSite = `forged-${randomUUID().slice(0, 8)}.test`;
    const admin = { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' };
    expect((await api('admin', proxyEvent({ method: 'POST', path: '/api/sites', headers: admin, body: JSON.stringify({ site_id: forgedSite }) }))).statusCode).toBe(200);
    const before = kinesis.records.length;
    // Twenty requests straight to API Gateway, each claiming another address and North Korea.
    for (let i = 0; i < 20; i++) {
      const forged = proxyEvent({
        method: 'POST',
        path: '/api/events',
        direct: true,
        sourceIp: '192.0.2.50',
        headers: { 'CloudFront-Viewer-Country': 'KP', 'X-Forwarded-For': `203.0.113.${i}`, 'CloudFront-Viewer-Address': `203.0.113.${i}:4000`, [ORIGIN_HEADER]: 'a guess' },
        body: JSON.stringify({ events: [wireEvent({ site: forgedSite, session: newSessionId('forged'), at: Date.now(), url: `https://${forgedSite}/` })] }),
      });
      expect((await api('events', forged)).statusCode).toBe(200);
    }
    const fresh = kinesis.records.slice(before);
    const lines = fresh.flatMap((record) => decodeRecord(Buffer.from(record.data, 'base64').toString('utf8')).events);
    expect(lines).toHaveLength(20);
    // No country, and one visitor: the address API Gateway saw, the same User-Agent.
    expect(new Set(lines.map((line) => line.cc))).toEqual(new Set(['(unknown)']));
    expect(new Set(lines.map((line) => line.vh)).size).toBe(1);
    expect(secrets.calls).toContainEqual({ target: 'secretsmanager.GetSecretValue', secretId: ORIGIN_SECRET_ARN, signed: true });
  });

  it('answers a bad request 400 naming the field, a missing read key 401, a preflight 204', async () => {
    const noSite = await api('stats', read('/api/stats', { period: '24h' }));
    expect(noSite.statusCode).toBe(400);
    expect(body(noSite)).toEqual({ status: 'error', message: expect.stringContaining('site_id') });

    const noKey = await api('realtime', proxyEvent({ method: 'GET', path: '/api/realtime', query: { site_id: site } }));
    expect(noKey.statusCode).toBe(401);

    const preflight = await api('events', proxyEvent({ method: 'OPTIONS', path: '/api/events' }));
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers?.['Access-Control-Allow-Origin']).toBeDefined();
  });
});
