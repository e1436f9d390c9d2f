import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import { TABLES, type KeyAttribute, type TableDefinition, type TableId } from '@liveinsight/collector/tables';

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * Point-in-time recovery wherever losing a table loses something traffic does not
 * rebuild: stats is the only record of history, keys and sites what the operator set
 * up (the keys clients hold, the registered sites and their settings). Sessions expire
 * (TTL: after 2 days, or 400 for backfills) and are rebuilt by new traffic.
 */
const RECOVERABLE: ReadonlySet<TableId> = new Set(['stats', 'keys', 'sites']);

export interface LiveInsightTablesProps {
  /** Protects the tables from `cdk destroy`; off for throwaway stages. */
  readonly deletionProtection?: boolean;
}

/**
 * The collector's tables (sessions, stats, keys, sites), one per definition in its
 * `TABLES`, so that a table the collector drops or adds follows here: on-demand,
 * encrypted at rest, TTL where the definition names one, point-in-time recovery where
 * RECOVERABLE says, deletion protection for all alike. Raw events have no table: they
 * pass through the events stream (stream.ts).
 */
export class LiveInsightTables extends Construct {
  readonly tables: Record<TableId, Table>;

  constructor(scope: Construct, id: string, props: LiveInsightTablesProps = {}) {
    super(scope, id);
    const build = (def: TableDefinition) => {
      const table = new Table(this, def.id, {
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey && { sortKey: attribute(def.sortKey) }),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: def.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: RECOVERABLE.has(def.id) },
        deletionProtection: props.deletionProtection ?? false,
        removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of def.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey && { sortKey: attribute(index.sortKey) }),
          // Same projection as the local tables: realtime reads only these attributes.
          ...(index.nonKeyAttributes
            ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.nonKeyAttributes] }
            : { projectionType: ProjectionType.ALL }),
        });
      }
      if (!RECOVERABLE.has(def.id)) {
        acknowledge(table, 'AwsSolutions-DDB3', 'Sessions are working state that expires by TTL (two days after the last activity, longer only for backfills); point-in-time recovery would back up data that is soon gone. The stats (history), keys and sites tables have it.');
      }
      return table;
    };
    const definitions: readonly TableDefinition[] = Object.values(TABLES);
    this.tables = Object.fromEntries(definitions.map((def) => [def.id, build(def)])) as Record<TableId, Table>;
  }
}
