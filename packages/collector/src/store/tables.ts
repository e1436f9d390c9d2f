/**
 * The DynamoDB table definitions, in one place: the CDK stack (infra/) and the local
 * stack (dynalite at boot, and every test) both build their tables from these, so the
 * keys and indexes cannot drift apart.
 *
 * Plain data only, no SDK imports: infra imports this module too.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attributes copied into the index (projection INCLUDE); undefined means ALL. */
  readonly nonKeyAttributes?: readonly string[];
}

export interface TableDefinition {
  /** Logical id, used for CDK construct ids and the local table name. */
  readonly id: 'sessions' | 'stats' | 'keys' | 'sites';
  /** The environment variable that carries the table's physical name. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry. DynamoDB deletes late, so reads filter on it too. */
  readonly ttlAttribute?: string;
}

/** Number of shards of the sessions ActivityIndex partition key (`{site}#{shard}`). */
export const ACTIVITY_SHARDS = 8;

/**
 * Shards of each hot rollup counter (`total` of an hour or day bucket). Every request of
 * a site adds to the same `total` items; one DynamoDB partition takes 1,000 write units
 * a second, so a site past that raises this and readers sum `total~0..n-1`. 1 = unsharded.
 */
export const HOT_KEY_SHARDS = 1;

export const ACTIVITY_INDEX = 'ActivityIndex';

/**
 * The events stream (Kinesis Data Streams in AWS, a log under the data dir locally):
 * POST /api/events puts its records there, the consumer counts them. Records are kept
 * for its retention, the shortest Kinesis offers: they are counted within seconds.
 *
 * The consumer's memory is here because the capacity model sizes it too: Lambda gives a
 * function one full vCPU at 1,769 MB, and the consumer is CPU-bound (most of a batch's
 * time is the SDK's work on its DynamoDB calls), so its duration, the stats' lag, falls
 * with memory up to there at about the same GB-seconds per batch; beyond, a second vCPU
 * would sit idle in its one-threaded loop.
 */
export const EVENTS_STREAM = { envVar: 'EVENTS_STREAM', retentionHours: 24, consumerMemoryMb: 1769 } as const;

export const TABLES = {
  sessions: {
    id: 'sessions',
    envVar: 'SESSIONS_TABLE',
    partitionKey: { name: 'session_id', type: 'S' },
    globalIndexes: [
      {
        indexName: ACTIVITY_INDEX,
        // Sharded and sparse: `is_active` holds `{site}#{shard}` only while the session
        // is active, so no single index partition takes every session write.
        partitionKey: { name: 'is_active', type: 'S' },
        sortKey: { name: 'last_activity', type: 'N' },
        // Only what GET /api/realtime reads: the session's seen-set and counters stay out
        // of the index, so each index entry stays far below 1 KB (one write unit).
        nonKeyAttributes: ['site_id', 'exit_page', 'src', 'ttl'],
      },
    ],
    ttlAttribute: 'ttl',
  },
  stats: {
    id: 'stats',
    envVar: 'STATS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [],
    ttlAttribute: 'ttl',
  },
  /** API keys, by name: the hash of each key's secret, its scopes and sites (store/api-keys-store.ts). */
  keys: {
    id: 'keys',
    envVar: 'KEYS_TABLE',
    partitionKey: { name: 'name', type: 'S' },
    globalIndexes: [],
  },
  /** Registered sites and each one's settings document (store/sites-store.ts). */
  sites: {
    id: 'sites',
    envVar: 'SITES_TABLE',
    partitionKey: { name: 'site_id', type: 'S' },
    globalIndexes: [],
  },
} as const satisfies Record<string, TableDefinition>;

export type TableId = keyof typeof TABLES;

/** Physical table names: from the environment in AWS, `liveinsight-<id>` locally. */
export function tableName(id: TableId, env: NodeJS.ProcessEnv = process.env): string {
  return env[TABLES[id].envVar] ?? `liveinsight-${id}`;
}
