import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { ApiFunction, type TableAccess } from './function.js';

export type FunctionId = 'events' | 'realtime' | 'stats' | 'sites';

interface FunctionDefinition {
  readonly description: string;
  /** The tables the handler touches and how; every other table stays out of reach. */
  readonly tables: Partial<Record<TableId, TableAccess>>;
}

/**
 * The four handlers and their table access, in one place. The collector writes events
 * (conditional puts), sessions and stats (counter updates, salt and visitor markers);
 * the readers only read: realtime the sessions ActivityIndex and stats, stats and sites
 * the rollups.
 */
export const FUNCTIONS = {
  events: {
    description: 'POST /api/events: validates, enriches and stores tracker events',
    tables: { events: 'write', sessions: 'readWrite', stats: 'readWrite' },
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
} as const satisfies Record<FunctionId, FunctionDefinition>;

export interface CollectorFunctionsProps {
  readonly tables: Record<TableId, Table>;
  /** The repository root; the handlers are packages/collector/src/handlers/<id>.ts. */
  readonly projectRoot: string;
  readonly logRetention: RetentionDays;
  /** The read key: reads compare X-API-Key with it, and a POST carrying it is a trusted backfill. */
  readonly apiKey: string;
}

/** The collector's Lambda functions, one per route, each bound to the tables it needs. */
export class CollectorFunctions extends Construct {
  readonly functions: Record<FunctionId, ApiFunction>;

  constructor(scope: Construct, id: string, props: CollectorFunctionsProps) {
    super(scope, id);
    const build = (fnId: FunctionId): ApiFunction => {
      const definition: FunctionDefinition = FUNCTIONS[fnId];
      const fn = new ApiFunction(this, fnId, {
        entry: `${props.projectRoot}/packages/collector/src/handlers/${fnId}.ts`,
        projectRoot: props.projectRoot,
        description: definition.description,
        logRetention: props.logRetention,
        environment: { LIVEINSIGHT_API_KEY: props.apiKey },
      });
      for (const [tableId, access] of Object.entries(definition.tables) as [TableId, TableAccess][]) {
        fn.bindTable(props.tables[tableId], TABLES[tableId], access);
      }
      return fn;
    };
    this.functions = {
      events: build('events'),
      realtime: build('realtime'),
      stats: build('stats'),
      sites: build('sites'),
    };
  }
}
