import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { ApiFunction, type TableAccess } from './function.js';

/** The handlers behind an API route (`ROUTES` in api.ts). */
export type ApiFunctionId = 'events' | 'realtime' | 'stats' | 'sites';
/** The handlers EventBridge runs on a schedule: no route, no request. */
export type ScheduledFunctionId = 'flush';
export type FunctionId = ApiFunctionId | ScheduledFunctionId;

interface FunctionDefinition {
  readonly description: string;
  /** The tables the handler touches and how; every other table stays out of reach. */
  readonly tables: Partial<Record<TableId, TableAccess>>;
  /** 30 s (an API call's) unless given; every collector function stays below the flush grace. */
  readonly timeout?: Duration;
}

interface ScheduledFunctionDefinition extends FunctionDefinition {
  readonly schedule: Schedule;
}

/**
 * LIVEINSIGHT_FLUSH_GRACE_MS of every collector function (why: where it is set, below).
 * Every function's timeout stays below it; infra/test/functions.test.ts checks.
 */
export const FLUSH_GRACE_MS = 60_000;

/**
 * The five handlers and their table access, in one place. The collector writes events
 * (conditional puts), sessions and stats (salt and visitor markers, one rollup delta per
 * request). The readers read and also write stats: before reading a site they flush it,
 * folding its deltas into the rollups and moving its cursor; realtime also reads the
 * sessions ActivityIndex. The scheduled flush does the same for every site once a minute.
 */
export const FUNCTIONS = {
  events: {
    description: 'POST /api/events: validates, enriches and stores tracker events',
    tables: { events: 'write', sessions: 'readWrite', stats: 'readWrite' },
  },
  realtime: {
    description: 'GET /api/realtime: active sessions and pages of the last minutes',
    tables: { sessions: 'read', stats: 'readWrite' },
  },
  stats: {
    description: 'GET /api/stats: totals, time series and breakdowns from the rollups',
    tables: { stats: 'readWrite' },
  },
  sites: {
    description: 'GET /api/sites: the sites that have data',
    tables: { stats: 'readWrite' },
  },
  flush: {
    description: 'Every minute: folds the buffered rollup deltas of every site into the rollups',
    tables: { stats: 'readWrite' },
    // Longer than an API call, since it walks every site; and still below both the grace
    // and the one-minute period, so that a run is over before the next one starts.
    timeout: Duration.seconds(50),
    schedule: Schedule.rate(Duration.minutes(1)),
  },
} as const satisfies Record<ApiFunctionId, FunctionDefinition> &
  Record<ScheduledFunctionId, ScheduledFunctionDefinition>;

/** Whether EventBridge runs the function rather than an API route. */
export const isScheduled = (fnId: FunctionId): fnId is ScheduledFunctionId => 'schedule' in FUNCTIONS[fnId];

export interface CollectorFunctionsProps {
  readonly tables: Record<TableId, Table>;
  /** The repository root; the handlers are packages/collector/src/handlers/<id>.ts. */
  readonly projectRoot: string;
  readonly logRetention: RetentionDays;
  /**
   * The read key: reads compare X-API-Key with it, and a POST carrying it is a trusted
   * backfill. The API functions get it; the flush answers no request and does not.
   */
  readonly apiKey: string;
}

/**
 * The collector's Lambda functions, one per route plus the scheduled flush, each bound to
 * the tables it needs; and the EventBridge rule that runs the flush.
 */
export class CollectorFunctions extends Construct {
  readonly functions: Record<FunctionId, ApiFunction>;
  readonly schedules: Record<ScheduledFunctionId, Rule>;

  constructor(scope: Construct, id: string, props: CollectorFunctionsProps) {
    super(scope, id);
    const build = (fnId: FunctionId): ApiFunction => {
      const definition: FunctionDefinition = FUNCTIONS[fnId];
      const fn = new ApiFunction(this, fnId, {
        entry: `${props.projectRoot}/packages/collector/src/handlers/${fnId}.ts`,
        projectRoot: props.projectRoot,
        description: definition.description,
        logRetention: props.logRetention,
        ...(definition.timeout && { timeout: definition.timeout }),
        environment: {
          // The flush answers no request, so it has no key to compare.
          ...(!isScheduled(fnId) && { LIVEINSIGHT_API_KEY: props.apiKey }),
          // Deltas are stamped by the writer's clock before the PutItem; the flusher only
          // folds those older than the grace, so a write still in flight from another
          // Lambda (at most its timeout) is never skipped. Locally the grace is 0.
          LIVEINSIGHT_FLUSH_GRACE_MS: String(FLUSH_GRACE_MS),
        },
      });
      for (const [tableId, access] of Object.entries(definition.tables) as [TableId, TableAccess][]) {
        fn.bindTable(props.tables[tableId], TABLES[tableId], access);
      }
      return fn;
    };
    // No reserved concurrency of 1 to keep two scheduled runs apart: the timeout already
    // ends a run before the next one normally starts, and overlap is safe anyway (two
    // flushers of a site share its open flush), just wasteful.
    // Reserving would not even drop the second run (Lambda queues a throttled asynchronous
    // invocation and runs it later), and it fails the deploy in accounts still on the low
    // concurrency quota of new accounts, where nothing may be taken from the unreserved pool.
    const schedule = (fnId: ScheduledFunctionId, fn: ApiFunction): Rule => {
      // A failed flush is retried neither by Lambda (2 retries by default) nor by EventBridge
      // (delivery retries for 24 h by default): the next run, a minute later, resumes from
      // the cursor, and a retry would only run beside it.
      fn.configureAsyncInvoke({ retryAttempts: 0 });
      return new Rule(this, `${fnId}Schedule`, {
        description: FUNCTIONS[fnId].description,
        schedule: FUNCTIONS[fnId].schedule,
        targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
      });
    };
    this.functions = {
      events: build('events'),
      realtime: build('realtime'),
      stats: build('stats'),
      sites: build('sites'),
      flush: build('flush'),
    };
    this.schedules = {
      flush: schedule('flush', this.functions.flush),
    };
  }
}
