/**
 * What each handler needs from the platform it runs on: the tables it touches and how,
 * its use of the events stream, whether it is given the API key, and its memory and
 * timeout where they differ from an API call's. The CDK app builds the functions from
 * this (infra/lib/functions.ts) and the bundle test gives each built handler exactly this
 * environment, so the two cannot disagree about what a function may reach.
 */
import { fileURLToPath } from 'node:url';
import { ROUTE_HANDLERS, type RouteHandler } from '@liveinsight/contract';
import { EVENTS_STREAM, type TableId } from './store/tables.js';

/** The handlers behind an API route (`ROUTES` in the contract package). */
export type ApiFunctionId = RouteHandler;
/** The handlers Lambda runs on batches of the events stream: no route, no request. */
export type StreamFunctionId = 'aggregate';
/** Firehose's record transformation on the way to the archive: no route, no table. */
export type ArchiveFunctionId = 'archive';
export type FunctionId = ApiFunctionId | StreamFunctionId | ArchiveFunctionId;

export type TableAccess = 'read' | 'write' | 'readWrite';
/** What a function does with the events stream: put records on it, or consume it. */
export type StreamAccess = 'put' | 'consume';

export interface FunctionSpec {
  readonly description: string;
  /** The tables the handler touches and how; every other table stays out of reach. */
  readonly tables: Readonly<Partial<Record<TableId, TableAccess>>>;
  /** Whether and how it uses the events stream; no access unless given. */
  readonly stream?: StreamAccess;
  /** 30 s (an API call's) unless given. */
  readonly timeoutS?: number;
  /** 256 MB unless given. */
  readonly memoryMb?: number;
  /**
   * Its part in the event archive: `transform` is Firehose's processor (it turns stream
   * lines into archive records), `query` reads the archive through Athena (the Glue table,
   * the workgroup, the bucket's `events/` prefix, the results bucket). ARCHIVE_ENV names
   * what it is given.
   */
  readonly archive?: 'transform' | 'query';
  /**
   * Its answer is streamed (lambda/streaming.ts): API Gateway invokes it with response
   * streaming, past the 10 MB and 29 s of a buffered answer.
   */
  readonly streamsResponse?: boolean;
}

/** An API call's limits, where a spec says nothing. */
export const DEFAULT_TIMEOUT_S = 30;
export const DEFAULT_MEMORY_MB = 256;

/**
 * The nine handlers. The collector (POST /api/events) validates and enriches a request,
 * puts its records on the events stream and answers; of the tables it touches only stats
 * (the day's visitor salts, health) and, to check them, sites and keys. The consumer
 * (`aggregate`) counts the stream into the sessions and stats tables. The readers only
 * read the data (the stats rollups, the consumer's progress for `counted_until`, for
 * realtime the sessions ActivityIndex). Every API function checks keys: it reads the keys
 * table and writes a key's last use (and the bootstrap admin key's item on first use).
 * `admin` manages sites, settings and keys, and deleting a site removes its rollups and
 * sessions. `query` answers questions the rollups cannot from the event archive, which
 * Firehose fills from the events stream through `archive` (the transformation); `export`
 * streams a window of that archive out.
 */
export const FUNCTIONS = {
  events: {
    description: 'POST /api/events: validates and enriches tracker events, puts them on the events stream',
    tables: { stats: 'readWrite', sites: 'readWrite', keys: 'readWrite' },
    stream: 'put',
  },
  realtime: {
    description: 'GET /api/realtime: active sessions and pages of the last minutes',
    tables: { sessions: 'read', stats: 'read', keys: 'readWrite' },
  },
  stats: {
    description: 'GET /api/stats: totals, time series and breakdowns from the rollups',
    tables: { stats: 'read', keys: 'readWrite' },
  },
  sites: {
    description: 'GET /api/sites: the registered sites a key may read',
    tables: { stats: 'read', sites: 'read', keys: 'readWrite' },
  },
  admin: {
    description: 'Sites, their settings and API keys: /api/sites (POST, DELETE), /api/sites/{site}/settings, /api/keys, /api/key',
    tables: { sessions: 'readWrite', stats: 'readWrite', sites: 'readWrite', keys: 'readWrite' },
    // Deleting a site scans the stats and sessions tables for its items.
    timeoutS: 29,
  },
  query: {
    description: 'POST /api/v2/query (Plausible Stats API v2): the rollups, or the event archive through Athena',
    tables: { stats: 'read', keys: 'readWrite' },
    archive: 'query',
    // An Athena query of a long window can take a while; API Gateway answers at 29 s.
    timeoutS: 29,
  },
  export: {
    description: 'GET /api/export: a window of the event archive through Athena, streamed as NDJSON or CSV',
    tables: { keys: 'readWrite' },
    archive: 'query',
    streamsResponse: true,
    // A streamed answer may run for 15 minutes (API Gateway's limit for one).
    timeoutS: 900,
  },
  archive: {
    description: 'Firehose record transformation: stream lines into archive records (archive/record.ts)',
    tables: {},
    archive: 'transform',
    timeoutS: 60,
  },
  aggregate: {
    description: 'Events stream consumer: counts the records into sessions and the stats rollups',
    tables: { sessions: 'readWrite', stats: 'readWrite' },
    stream: 'consume',
    // A batch is up to 500 records of many sessions, committed 16 sessions at a time, then
    // one ADD per rollup item: more memory is more CPU, hence a shorter batch, and the
    // batch's duration is how far the stats lag (one vCPU; see EVENTS_STREAM). 60 s bounds a
    // stuck batch (it is then retried, see infra's CONSUMER_SETTINGS) well inside the
    // IteratorAge alarm's patience.
    memoryMb: EVENTS_STREAM.consumerMemoryMb,
    timeoutS: 60,
  },
} as const satisfies Record<FunctionId, FunctionSpec>;

/** Whether Lambda runs the function on the events stream rather than for an API route. */
export const isStreamConsumer = (fnId: FunctionId): fnId is StreamFunctionId => (FUNCTIONS[fnId] as FunctionSpec).stream === 'consume';

/**
 * API functions check keys, so they are given the bootstrap admin key: in AWS the ARN of
 * the Secrets Manager secret that holds it (ADMIN_SECRET_ENV, read at cold start, never
 * the key itself), locally the key (ADMIN_KEY_ENV). The consumer answers no request.
 */
export const takesApiKey = (fnId: FunctionId): fnId is ApiFunctionId => (ROUTE_HANDLERS as readonly string[]).includes(fnId);

/** What the `query` function is told about the archive (infra sets them from the resources it creates). */
export const ARCHIVE_ENV = {
  workgroup: 'LIVEINSIGHT_ATHENA_WORKGROUP',
  database: 'LIVEINSIGHT_GLUE_DATABASE',
  table: 'LIVEINSIGHT_GLUE_TABLE',
  /** The archive bucket's name (export reads its `events/` prefix). */
  bucket: 'LIVEINSIGHT_ARCHIVE_BUCKET',
} as const;

/** The bootstrap admin key itself: the local stack and tests (`LIVEINSIGHT_API_KEY=… npm start`). */
export const ADMIN_KEY_ENV = 'LIVEINSIGHT_API_KEY';
/** In AWS: the ARN of the secret holding the bootstrap admin key. */
export const ADMIN_SECRET_ENV = 'LIVEINSIGHT_ADMIN_SECRET_ARN';
/**
 * In AWS: the ARN of the secret CloudFront sends in ORIGIN_HEADER on every /api/* request;
 * CloudFront-Viewer-* headers are believed only on requests that carry it.
 */
export const ORIGIN_SECRET_ENV = 'LIVEINSIGHT_ORIGIN_SECRET_ARN';
export const ORIGIN_HEADER = 'X-LiveInsight-Origin';
/** On: an event for an unknown site registers it (the local default). Off in AWS. */
export const AUTO_SITES_ENV = 'LIVEINSIGHT_AUTO_SITES';

/**
 * Imports the Lambda bundles resolve elsewhere (esbuild `alias`; the CDK app and the bench
 * build with it): the SDK's default credential chain becomes the environment alone, which
 * is where Lambda puts a function's credentials (src/lambda/credentials.ts).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': fileURLToPath(new URL('./lambda/credentials.ts', import.meta.url)),
};
