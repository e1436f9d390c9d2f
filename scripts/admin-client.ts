/**
 * What `npm run sites` and `npm run keys` share: their flags, and one way to call the
 * admin API. They talk to a running stack (`--endpoint`, default LIVEINSIGHT_API_URL, then
 * the local stack's address) with an admin key (`--key`, default LIVEINSIGHT_API_KEY).
 * When nothing answers on a local address, they open the local data dir themselves and
 * run the same handler in this process; the embedded store locks its dir, so that works
 * only while the stack is stopped, and they say so when it is not.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3000';

export interface AdminOptions {
  endpoint: string;
  key: string | undefined;
  dataDir: string;
}

export function parseCommand(argv: string[], flags: Record<string, { multiple?: boolean }>) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(Object.entries(flags).map(([name, { multiple }]) => [name, { type: 'string' as const, multiple: Boolean(multiple) }])),
    },
  });
  const endpoint = String(values.endpoint ?? process.env.LIVEINSIGHT_API_URL ?? DEFAULT_ENDPOINT)
    .replace(/\/+$/, '')
    .replace(/\/api$/, '');
  const options: AdminOptions = {
    endpoint,
    key: (values.key as string | undefined) ?? process.env.LIVEINSIGHT_API_KEY ?? undefined,
    dataDir: resolve(process.env.LIVEINSIGHT_DATA_DIR ?? '.liveinsight'),
  };
  return { command: positionals[0], args: positionals.slice(1), values: values as Record<string, unknown>, options, help: Boolean(values.help) };
}

export interface Answer {
  status: number;
  body: { status: 'success'; data: any } | { status: 'error'; message: string };
}

const isLocal = (endpoint: string) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(endpoint);

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED';
}

/** One admin call: over HTTP, or on the local data dir when no local stack answers. */
export async function adminCall(options: AdminOptions, method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const response = await fetch(`${options.endpoint}${path}`, {
      method,
      headers: { ...(options.key ? { 'X-API-Key': options.key } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: { status: 'error', message: `${options.endpoint} answered ${response.status} without JSON: is it a LiveInsight API?` } };
    }
  } catch (error) {
    if (!refused(error) || !isLocal(options.endpoint)) throw new Error(`Cannot reach ${options.endpoint}: ${(error as Error).message}`);
    return directCall(options, method, path, body);
  }
}

/** The same call, through the same handler, on the data dir (the stack is stopped). */
async function directCall(options: AdminOptions, method: string, path: string, body?: unknown): Promise<Answer> {
  const { startDynalite } = await import('@liveinsight/collector/local');
  const store = await startDynalite(options.dataDir);
  try {
    process.env.DYNAMODB_ENDPOINT = store.endpoint;
    const { ensureTablesAt } = await import('../packages/collector/src/store/create-tables.js');
    try {
      await ensureTablesAt(store.endpoint);
    } catch (error) {
      // LevelDB refuses to open a dir another process holds; dynalite then reports the database closed.
      if (/lock|not open|closed/i.test(String((error as Error).message))) {
        throw new Error(`Nothing answers at ${options.endpoint}, and the data dir ${options.dataDir} is locked: a stack is running on it. Pass that stack's address with --endpoint (or LIVEINSIGHT_API_URL).`);
      }
      throw error;
    }
    const { handler: sites } = await import('../packages/collector/src/handlers/sites.js');
    const { handler: admin } = await import('../packages/collector/src/handlers/admin.js');
    const handler = method === 'GET' && path === '/api/sites' ? sites : admin;
    const url = new URL(path, 'http://direct.invalid');
    const event = {
      httpMethod: method,
      path: url.pathname,
      resource: url.pathname,
      headers: { ...(options.key ? { 'X-API-Key': options.key } : {}), 'Content-Type': 'application/json' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: body !== undefined ? JSON.stringify(body) : null,
      isBase64Encoded: false,
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    } as unknown as APIGatewayProxyEvent;
    const result: APIGatewayProxyResult = await handler(event);
    console.error(`(nothing answers at ${options.endpoint}: worked on the data dir ${options.dataDir} directly)`);
    return { status: result.statusCode, body: JSON.parse(result.body) };
  } finally {
    await store.close();
  }
}

/** The answer's data, or the API's message on standard error and exit code 1. */
export function dataOf(answer: Answer): any {
  if (answer.body.status === 'success') return answer.body.data;
  console.error(`Error ${answer.status}: ${answer.body.message}`);
  process.exit(1);
}

export async function main(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
