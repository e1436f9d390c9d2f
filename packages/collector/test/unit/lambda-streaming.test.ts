import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { streamedText } from '../../src/http/response.js';
import { streamingRoute } from '../../src/http/route.js';
import { lambdaStreaming, PRELUDE_DELIMITER, type ResponseStream } from '../../src/lambda/streaming.js';

/** What API Gateway reads from the function: the content type it was given, then the bytes. */
function responseStream() {
  const chunks: Buffer[] = [];
  let contentType: string | undefined;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  }) as ResponseStream;
  stream.setContentType = (type) => {
    contentType = type;
  };
  return {
    stream,
    read() {
      const all = Buffer.concat(chunks);
      const at = all.indexOf(PRELUDE_DELIMITER);
      return { contentType, prelude: JSON.parse(all.subarray(0, at).toString('utf8')), body: all.subarray(at + PRELUDE_DELIMITER.length), ended: stream.writableEnded };
    },
  };
}

const request = (path: string, headers: Record<string, string> = {}, httpMethod = 'GET'): APIGatewayProxyEvent =>
  ({ httpMethod, path, headers, queryStringParameters: null, body: null, isBase64Encoded: false, requestContext: { identity: { sourceIp: '192.0.2.1' } } }) as unknown as APIGatewayProxyEvent;

describe("Lambda's streamed answer, in API Gateway's format for a streaming proxy integration", () => {
  const lines = Array.from({ length: 5_000 }, (_, i) => `{"n":${i}}\n`);
  async function* chunks() {
    for (let i = 0; i < lines.length; i += 1_000) yield lines.slice(i, i + 1_000).join('');
  }
  const direct = lambdaStreaming(async () => streamedText(chunks(), 'application/x-ndjson').result) as (event: APIGatewayProxyEvent, stream: ResponseStream) => Promise<void>;

  it('writes the JSON prelude, eight NUL bytes, then the body, and ends the stream', async () => {
    const out = responseStream();
    await direct(request('/api/export'), out.stream);
    const { contentType, prelude, body, ended } = out.read();
    expect(contentType).toBe('application/vnd.awslambda.http-integration-response');
    expect(prelude.statusCode).toBe(200);
    expect(prelude.headers['Content-Type']).toBe('application/x-ndjson');
    expect(body.toString('utf8')).toBe(lines.join(''));
    expect(ended).toBe(true);
  });

  it('gzips the body for a client that accepts it (API Gateway does not compress a stream)', async () => {
    const out = responseStream();
    await direct(request('/api/export', { 'Accept-Encoding': 'gzip, br' }), out.stream);
    const { prelude, body } = out.read();
    expect(prelude.headers).toMatchObject({ 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    expect(gunzipSync(body).toString('utf8')).toBe(lines.join(''));
  });

  it('answers a request refused before the stream starts with its status and message', async () => {
    const refused = lambdaStreaming(streamingRoute('export', { 'GET /api/export': async () => streamedText(chunks(), 'text/plain') })) as typeof direct;
    const out = responseStream();
    await refused(request('/api/export', {}, 'DELETE'), out.stream);
    const { prelude, body } = out.read();
    expect(prelude.statusCode).toBe(405);
    expect(prelude.headers.Allow).toBe('GET, OPTIONS');
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ status: 'error', message: expect.stringMatching(/DELETE is not allowed here; use GET/) });
  });
});
