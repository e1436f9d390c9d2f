/**
 * Lambda's side of a streamed answer (GET /api/export). API Gateway invokes a function whose
 * integration streams (response transfer mode STREAM) with InvokeWithResponseStream and
 * reads, from the response stream, a JSON prelude of status code and headers, eight NUL
 * bytes, then the body as it comes: past the 10 MB and 29 s a buffered answer is held to,
 * for up to 15 minutes. API Gateway does not compress a streamed body, so it is gzipped
 * here when the client accepts it.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { header } from '../http/auth.js';
import type { StreamedResult } from '../http/response.js';
import type { StreamingHandler } from '../http/route.js';

/** What the prelude is followed by, in API Gateway's format for a streamed proxy answer. */
export const PRELUDE_DELIMITER = Buffer.alloc(8);
const INTEGRATION_RESPONSE_TYPE = 'application/vnd.awslambda.http-integration-response';

/** The response stream Lambda's Node runtime hands a streamified handler. */
export type ResponseStream = Writable & { setContentType?(type: string): void };
type Streamed = (event: APIGatewayProxyEvent, responseStream: ResponseStream) => Promise<void>;

/** The Node runtime's global (not a module: its streamifyResponse exists only inside Lambda). */
interface LambdaRuntime {
  streamifyResponse(handler: Streamed): unknown;
}

export async function writeStreamed(result: StreamedResult, responseStream: ResponseStream, acceptEncoding = ''): Promise<void> {
  const gzip = /\bgzip\b/i.test(acceptEncoding);
  const headers = gzip ? { ...result.headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : result.headers;
  responseStream.setContentType?.(INTEGRATION_RESPONSE_TYPE);
  responseStream.write(JSON.stringify({ statusCode: result.statusCode, headers }));
  responseStream.write(PRELUDE_DELIMITER);
  const body = Readable.from(result.body);
  await (gzip ? pipeline(body, createGzip(), responseStream) : pipeline(body, responseStream));
}

/**
 * The function's handler: streamified by the runtime in Lambda; elsewhere (tests, the
 * bundle test's runner, which installs its own `awslambda`) the same function, called
 * with any writable stream.
 */
export function lambdaStreaming(handler: StreamingHandler): unknown {
  const streamed: Streamed = async (event, responseStream) => writeStreamed(await handler(event), responseStream, header(event.headers, 'accept-encoding'));
  // The AWS SDK (@aws/lambda-invoke-store) makes an empty `awslambda` outside Lambda too.
  const runtime = (globalThis as { awslambda?: Partial<LambdaRuntime> }).awslambda;
  return typeof runtime?.streamifyResponse === 'function' ? runtime.streamifyResponse(streamed) : streamed;
}
