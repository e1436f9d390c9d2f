import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteHandler } from '@liveinsight/contract';
import { EVENTS_STREAM, TABLES, type TableId } from '@liveinsight/collector/tables';
import { CollectorFunction, type TableAccess } from './function.js';
import { CONSUMER_SETTINGS, type EventsStream } from './stream.js';

/** The handlers behind an API route (`ROUTES` in the contract package). */
export type ApiFunctionId = RouteHandler;
/** The handlers Lambda runs on batches of the events stream: no route, no request. */
export type StreamFunctionId = 'aggregate';
export type FunctionId = ApiFunctionId | StreamFunctionId;

/** What a function does with the events stream: put records on it, or consume it. */
export type StreamAccess = 'put' | 'consume';

interface FunctionDefinition {
  readonly description: string;
  /** The tables the handler touches and how; every other table stays out of reach. */
  readonly tables: Partial<Record<TableId, TableAccess>>;
  /** Whether and how it uses the events stream; no access unless given. */
  readonly stream?: StreamAccess;
  /** 30 s (an API call's) unless given. */
  readonly timeout?: Duration;
  /** 256 MB unless given. */
  readonly memorySize?: number;
}

/**
 * The five handlers, their table and stream access, in one place. The collector
 * (POST /api/events) validates and enriches a request, puts its records on the events
 * stream and answers; of the tables it touches only stats (the site registry, the day's
 * visitor salts, health). The consumer (`aggregate`) counts the stream into the
 * sessions and stats tables. The readers only read: the stats rollups (and the
 * consumer's progress, for `counted_until`), and for realtime the sessions ActivityIndex.
 */
export const FUNCTIONS = {
  events: {
    description: 'POST /api/events: validates and enriches tracker events, puts them on the events stream',
    tables: { stats: 'readWrite' },
    stream: 'put',
  },
  realtime: {
    description: 'GET /api/realtime: active sessions and pages of the last minutes',
    tables: { sessions: 'read', stats: 'read' },
  },
  stats: {
    description: 'GET /api/stats: totals, time series and breakdowns from the rollups',
    tables: { stats: 'read' },
  },
  sites: {
    description: 'GET /api/sites: the sites that have data',
    tables: { stats: 'read' },
  },
  aggregate: {
    description: 'Events stream consumer: counts the records into sessions and the stats rollups',
    tables: { sessions: 'readWrite', stats: 'readWrite' },
    stream: 'consume',
    // A batch is up to 500 records of many sessions, committed 16 sessions at a time, then
    // one ADD per rollup item: more memory is more CPU, hence a shorter batch, and the
    // batch's duration is how far the stats lag (one vCPU; see EVENTS_STREAM). 60 s bounds a
    // stuck batch (it is then retried, see CONSUMER_SETTINGS) well inside the IteratorAge
    // alarm's patience.
    memorySize: EVENTS_STREAM.consumerMemoryMb,
    timeout: Duration.seconds(60),
  },
} as const satisfies Record<FunctionId, FunctionDefinition>;

/** Whether Lambda runs the function on the events stream rather than for an API route. */
export const isStreamConsumer = (fnId: FunctionId): fnId is StreamFunctionId =>
  (FUNCTIONS[fnId] as FunctionDefinition).stream === 'consume';

export interface CollectorFunctionsProps {
  readonly tables: Record<TableId, Table>;
  readonly stream: EventsStream;
  /** The repository root; the handlers are packages/collector/src/handlers/<id>.ts. */
  readonly projectRoot: string;
  readonly logRetention: RetentionDays;
  /**
   * The read key: reads compare X-API-Key with it, and a POST carrying it is a trusted
   * backfill. The API functions get it; the consumer answers no request and does not.
   */
  readonly apiKey: string;
}

/**
 * The collector's Lambda functions, one per route plus the events stream's consumer,
 * each bound to the tables it needs; the collector may put records on the stream, and
 * the consumer reads it through an event source mapping.
 */
export class CollectorFunctions extends Construct {
  readonly functions: Record<FunctionId, CollectorFunction>;
  /** The consumer's event source mapping on the events stream. */
  readonly consumer: KinesisEventSource;

  constructor(scope: Construct, id: string, props: CollectorFunctionsProps) {
    super(scope, id);
    const { stream, failures } = props.stream;
    const consumers: KinesisEventSource[] = [];
    const build = (fnId: FunctionId): CollectorFunction => {
      const definition: FunctionDefinition = FUNCTIONS[fnId];
      const fn = new CollectorFunction(this, fnId, {
        entry: `${props.projectRoot}/packages/collector/src/handlers/${fnId}.ts`,
        projectRoot: props.projectRoot,
        description: definition.description,
        logRetention: props.logRetention,
        ...(definition.timeout && { timeout: definition.timeout }),
        ...(definition.memorySize && { memorySize: definition.memorySize }),
        environment: {
          // The consumer answers no request, so it has no key to compare.
          ...(!isStreamConsumer(fnId) && { LIVEINSIGHT_API_KEY: props.apiKey }),
        },
      });
      for (const [tableId, access] of Object.entries(definition.tables) as [TableId, TableAccess][]) {
        fn.bindTable(props.tables[tableId], TABLES[tableId], access);
      }
      if (definition.stream === 'put') {
        // The name, as PutRecords takes it; the grant is PutRecord(s) and ListShards.
        fn.addEnvironment(EVENTS_STREAM.envVar, stream.streamName);
        stream.grantWrite(fn);
      } else if (definition.stream === 'consume') {
        // The mapping grants the reads it needs (GetRecords, GetShardIterator, ...) and
        // SendMessage on the queue. The function is not told the stream's name: Lambda
        // hands it the records.
        const source = new KinesisEventSource(stream, { ...CONSUMER_SETTINGS, onFailure: new SqsDlq(failures) });
        fn.addEventSource(source);
        consumers.push(source);
      }
      return fn;
    };
    this.functions = {
      events: build('events'),
      realtime: build('realtime'),
      stats: build('stats'),
      sites: build('sites'),
      aggregate: build('aggregate'),
    };
    this.consumer = consumers[0]!;
  }
}
