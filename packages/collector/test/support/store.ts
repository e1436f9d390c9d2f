import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startDynalite, type EmbeddedStore } from '../../src/local/dynalite.js';
import { resetDocumentClient } from '../../src/store/client.js';
import { ensureTablesAt } from '../../src/store/create-tables.js';
import { TABLES } from '../../src/store/tables.js';
import { aggregate, type AggregateOptions } from '../../src/service/aggregate.js';
import { setEventsStream } from '../../src/stream/events-stream.js';
import { inlineStream, type InlineStream } from '../../src/stream/inline-stream.js';

/**
 * Gives a test file its own in-memory dynalite with freshly created tables, pointed to
 * by the same environment variables the Lambda functions read, and an events stream
 * whose consumer runs before a request answers (stream/inline-stream.ts).
 */
export function useTestStore(): {
  endpoint: () => string;
  stream: () => InlineStream;
  /** Runs `body` with the consumer given these options (caps lowered, say), then the defaults again. */
  consumingWith: <T>(options: AggregateOptions, body: () => Promise<T>) => Promise<T>;
} {
  let store: EmbeddedStore | undefined;
  let stream: InlineStream | undefined;
  let options: AggregateOptions = {};
  const consumingWith = async <T>(given: AggregateOptions, body: () => Promise<T>): Promise<T> => {
    options = given;
    try {
      return await body();
    } finally {
      options = {};
    }
  };
  beforeAll(async () => {
    stream = inlineStream((event) => aggregate(event, options));
    setEventsStream(stream);
    store = await startDynalite();
    process.env.DYNAMODB_ENDPOINT = store.endpoint;
    // As the local stack: sites register on first use, unless a test turns it off.
    process.env.LIVEINSIGHT_AUTO_SITES ??= '1';
    const suffix = randomUUID().slice(0, 8);
    for (const def of Object.values(TABLES)) process.env[def.envVar] = `test-${def.id}-${suffix}`;
    resetDocumentClient();
    await ensureTablesAt(store.endpoint);
  });
  afterAll(async () => {
    setEventsStream(undefined);
    resetDocumentClient();
    await store?.close();
  });
  return { endpoint: () => store!.endpoint, stream: () => stream!, consumingWith };
}
