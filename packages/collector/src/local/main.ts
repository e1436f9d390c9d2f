import { resolve } from 'node:path';
import { DEFAULT_LIMITS } from './http-limits.js';
import { autoSites } from '../service/site-registry.js';
import { startLocalStack } from './server.js';

/** `npm start`: the whole stack in one process, data kept on disk between runs. */
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = resolve(process.env.LIVEINSIGHT_DATA_DIR ?? '.liveinsight');

// Any DynamoDB-compatible endpoint (DynamoDB Local, a recording proxy) instead of the
// embedded store; its tables are created if missing. The stream log stays under the data dir.
const external = process.env.DYNAMODB_ENDPOINT || undefined;

const stack = await startLocalStack({ port, host, dataDir, ...(external && { storeEndpoint: external }) });
const url = stack.url;
console.log(`LiveInsight is running (data in ${dataDir}${external ? `, tables at ${external}` : ''})

  Dashboard      ${url}/
  API            ${url}/api  (events, realtime, stats, sites, keys: docs/openapi.yaml)
  Tracker        ${url}/sdk/liveinsight.js
  Examples       ${url}/examples/script-tag/  ${url}/examples/spa/
${process.env.LIVEINSIGHT_API_KEY ? '  Keys           reads and admin need a key; LIVEINSIGHT_API_KEY holds every scope\n' : '  Keys           none configured: the API is open (set LIVEINSIGHT_API_KEY to require keys)\n'}${autoSites() ? '  Sites          registered by their first event (LIVEINSIGHT_AUTO_SITES=0: npm run sites -- add)\n' : '  Sites          only registered ones take events (npm run sites -- add)\n'}
Press Ctrl+C to stop.`);

/**
 * Closing waits for in-flight requests (http-limits.ts bounds that), the stream's consumer
 * and the store; should any of them hang, the process still goes, without a clean close.
 */
const CLOSE_DEADLINE_MS = DEFAULT_LIMITS.drainTimeoutMs + 30_000;

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl+C forces the exit, should closing ever hang.
    if (closing) process.exit(130);
    closing = true;
    console.log(`\n${signal}: closing… (new connections are refused, requests in flight finish)`);
    setTimeout(() => {
      console.error(`Closing took over ${CLOSE_DEADLINE_MS} ms; exiting anyway.`);
      process.exit(1);
    }, CLOSE_DEADLINE_MS).unref();
    stack.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
