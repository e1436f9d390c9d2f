import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_INDEX, TABLES } from '@liveinsight/collector/tables';
import { synthesize } from './support/synth.js';

const keySchema = (id: keyof typeof TABLES) => {
  const def = TABLES[id];
  return [
    { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
    ...('sortKey' in def ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
  ];
};

describe('tables', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize());
  });

  it('builds exactly the tables of the shared definitions: sessions, stats, keys and sites, no raw events table', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    for (const id of ['sessions', 'stats', 'keys', 'sites'] as const) {
      template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: keySchema(id) });
    }
    // Keys by name, sites by id: a single key each, no index, nothing that expires.
    for (const [id, name] of [['keys', 'name'], ['sites', 'site_id']] as const) {
      const [table] = Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: keySchema(id) } }));
      expect(table!.Properties.KeySchema).toEqual([{ AttributeName: name, KeyType: 'HASH' }]);
      expect(table!.Properties.AttributeDefinitions).toEqual([{ AttributeName: name, AttributeType: 'S' }]);
      expect(table!.Properties.GlobalSecondaryIndexes).toBeUndefined();
      expect(table!.Properties.TimeToLiveSpecification).toBeUndefined();
    }
  });

  it('turns on TTL wherever the shared definition names an expiry attribute', () => {
    for (const def of Object.values(TABLES)) {
      if (!('ttlAttribute' in def)) continue;
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: keySchema(def.id),
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      });
    }
  });

  it('indexes active sessions on the sharded, string-keyed ActivityIndex', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: keySchema('sessions'),
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'is_active', AttributeType: 'S' }]),
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: ACTIVITY_INDEX,
          KeySchema: [
            { AttributeName: 'is_active', KeyType: 'HASH' },
            { AttributeName: 'last_activity', KeyType: 'RANGE' },
          ],
          // The local stack creates the same projection from the same definition.
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [...TABLES.sessions.globalIndexes[0].nonKeyAttributes],
          },
        }),
      ],
    });
  });

  it('bills on demand and encrypts every table at rest', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    for (const table of tables) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
  });

  it('enables point-in-time recovery on everything traffic does not rebuild: stats, keys and sites, not sessions', () => {
    for (const id of ['stats', 'keys', 'sites'] as const) {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: keySchema(id),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: keySchema('sessions'),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
  });

  it('lets `cdk destroy` remove the tables unless deletion protection is asked for', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
  });
});

describe('tables with -c deletionProtection=true', () => {
  it('protects and retains every table', () => {
    // A new App per context value is the only way to change it; tables-only assertions
    // keep this synth cheap (no bundling).
    const { template } = synthesize({ context: { deletionProtection: 'true' } });
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(4);
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
  });
});
