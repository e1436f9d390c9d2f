import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type KeyAttribute, type TableDefinition, type TableId } from '@liveinsight/collector/tables';

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export interface LiveInsightTablesProps {
  /** Protects the tables from `cdk destroy`; off for throwaway stages. */
  readonly deletionProtection?: boolean;
}

/** The events, sessions and stats tables, built from the collector's own definitions. */
export class LiveInsightTables extends Construct {
  readonly tables: Record<TableId, ITable>;

  constructor(scope: Construct, id: string, props: LiveInsightTablesProps = {}) {
    super(scope, id);
    const build = (def: TableDefinition) => {
      const table = new Table(this, def.id, {
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey && { sortKey: attribute(def.sortKey) }),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: def.ttlAttribute,
        deletionProtection: props.deletionProtection ?? false,
        removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of def.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey && { sortKey: attribute(index.sortKey) }),
        });
      }
      return table;
    };
    this.tables = {
      events: build(TABLES.events),
      sessions: build(TABLES.sessions),
      stats: build(TABLES.stats),
    };
  }
}
