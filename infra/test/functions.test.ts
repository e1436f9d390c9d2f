import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { FUNCTIONS, type FunctionId } from '../lib/functions.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { actionsOn, grantsOfRole, logicalId, type Grant } from './support/iam.js';
import { synthesize } from './support/synth.js';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const TABLE_IDS = Object.keys(TABLES) as TableId[];
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('functions', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let grants: Record<FunctionId, Grant[]>;
  let tableIds: Record<TableId, string>;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    tableIds = Object.fromEntries(TABLE_IDS.map((id) => [id, logicalId(stack, stack.tables[id])])) as Record<
      TableId,
      string
    >;
    grants = Object.fromEntries(
      FUNCTION_IDS.map((id) => [id, grantsOfRole(template, logicalId(stack, stack.functions[id].role!))]),
    ) as Record<FunctionId, Grant[]>;
  });

  const fnProps = (id: FunctionId) => {
    const fnLogicalId = logicalId(stack, stack.functions[id]);
    return template.toJSON().Resources[fnLogicalId].Properties;
  };

  it('runs the four handlers on Node.js 22, arm64, 256 MB, 30 s, as `handler` of an ES module bundle', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })))
      .toHaveLength(4);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 30,
        Handler: 'index.handler',
      });
    }
  });

  it('logs JSON into a log group of its own with the default 30-day retention', () => {
    for (const id of FUNCTION_IDS) {
      const logging = fnProps(id).LoggingConfig;
      expect(logging).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      const group = template.toJSON().Resources[logging.LogGroup.Ref];
      expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    }
  });

  it('names each bound table in its env var, and only those tables', () => {
    for (const id of FUNCTION_IDS) {
      const variables = fnProps(id).Environment.Variables;
      for (const tableId of TABLE_IDS) {
        const bound = tableId in FUNCTIONS[id].tables;
        expect(variables[TABLES[tableId].envVar], `${id} ${tableId}`).toEqual(
          bound ? { Ref: tableIds[tableId] } : undefined,
        );
      }
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('hands every function the read key by reference to the generated secret, never as a literal', () => {
    const secretId = logicalId(stack, stack.readKey.secret);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id).Environment.Variables.LIVEINSIGHT_API_KEY).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 40, ExcludePunctuation: true }),
    });
  });

  it('lets the collector write all three tables', () => {
    expect([...actionsOn(grants.events, tableIds.events)]).toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    for (const tableId of ['sessions', 'stats'] as const) {
      const actions = actionsOn(grants.events, tableIds[tableId]);
      expect([...actions], tableId).toEqual(
        expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:BatchWriteItem']),
      );
    }
  });

  it('gives the collector no read on raw events: it only puts them', () => {
    const actions = actionsOn(grants.events, tableIds.events);
    expect(actions.has('dynamodb:GetItem')).toBe(false);
    expect(actions.has('dynamodb:Query')).toBe(false);
    expect(actions.has('dynamodb:Scan')).toBe(false);
  });

  it('gives the read functions no write action on any resource', () => {
    for (const id of ['realtime', 'stats', 'sites'] as const) {
      const actions = new Set(grants[id].flatMap((grant) => grant.actions));
      for (const write of WRITES) expect(actions.has(write), `${id} ${write}`).toBe(false);
      expect([...actions].some((action) => action.endsWith('*') && action.startsWith('dynamodb:'))).toBe(false);
    }
  });

  it('lets realtime query the sessions ActivityIndex and read stats', () => {
    expect(actionsOn(grants.realtime, `${tableIds.sessions}/index/*`).has('dynamodb:Query')).toBe(true);
    for (const action of ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem']) {
      expect(actionsOn(grants.realtime, tableIds.stats).has(action), action).toBe(true);
    }
  });

  it('keeps stats and sites on the stats table alone', () => {
    for (const id of ['stats', 'sites'] as const) {
      expect(actionsOn(grants[id], tableIds.stats).has('dynamodb:Query')).toBe(true);
      for (const other of ['events', 'sessions'] as const) {
        expect(actionsOn(grants[id], tableIds[other]).size, `${id} on ${other}`).toBe(0);
        expect(actionsOn(grants[id], `${tableIds[other]}/index/*`).size).toBe(0);
      }
    }
  });

  it('grants nothing on "*" and writes logs only to the function\'s own group', () => {
    for (const id of FUNCTION_IDS) {
      expect(grants[id].flatMap((grant) => grant.resources)).not.toContain('*');
      const ownGroup = logicalId(stack, stack.functions[id].logGroup);
      const logGrants = grants[id].filter((grant) => grant.actions.some((action) => action.startsWith('logs:')));
      expect(logGrants.flatMap((grant) => grant.resources)).toEqual([ownGroup]);
      expect(logGrants.flatMap((grant) => grant.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
  });

  it('attaches no AWS managed policy to the function roles', () => {
    for (const id of FUNCTION_IDS) {
      const role = template.toJSON().Resources[logicalId(stack, stack.functions[id].role!)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});
