import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { FUNCTIONS, isStreamConsumer, type FunctionId } from '../lib/functions.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { actionsOn, grantsOfRole, logicalId, type Grant } from './support/iam.js';
import { synthesize } from './support/synth.js';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const API_FUNCTION_IDS = ['events', 'realtime', 'stats', 'sites'] as const;
const READERS = ['realtime', 'stats', 'sites'] as const;
const TABLE_IDS = Object.keys(TABLES) as TableId[];
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** The DynamoDB actions that change nothing: grantReadData's (table stream reads included). */
const READ_ONLY = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
]);
const READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

describe('functions', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let grants: Record<FunctionId, Grant[]>;
  let tableIds: Record<TableId, string>;
  let streamId: string;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    tableIds = Object.fromEntries(TABLE_IDS.map((id) => [id, logicalId(stack, stack.tables[id])])) as Record<
      TableId,
      string
    >;
    streamId = logicalId(stack, stack.stream.stream);
    grants = Object.fromEntries(
      FUNCTION_IDS.map((id) => [id, grantsOfRole(template, logicalId(stack, stack.functions[id].role!))]),
    ) as Record<FunctionId, Grant[]>;
  });

  const fnProps = (id: FunctionId) => {
    const fnLogicalId = logicalId(stack, stack.functions[id]);
    return template.toJSON().Resources[fnLogicalId].Properties;
  };

  it('runs the four API handlers and the stream consumer on Node.js 22, arm64, as `handler` of an ES module bundle', () => {
    expect([...FUNCTION_IDS].sort()).toEqual(['aggregate', 'events', 'realtime', 'sites', 'stats']);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })))
      .toHaveLength(5);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
  });

  it('gives the API handlers 256 MB and 30 s, and the consumer a full vCPU (1,769 MB) and 60 s', () => {
    for (const id of API_FUNCTION_IDS) expect(fnProps(id), id).toMatchObject({ MemorySize: 256, Timeout: 30 });
    expect(fnProps('aggregate')).toMatchObject({ MemorySize: 1769, Timeout: 60 });
  });

  it('has no flush left: no function, no schedule, no flush grace', () => {
    expect(FUNCTION_IDS).not.toContain('flush');
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(JSON.stringify(fn.Properties.Description ?? '')).not.toMatch(/flush/i);
      expect(fn.Properties.Environment?.Variables?.LIVEINSIGHT_FLUSH_GRACE_MS).toBeUndefined();
      // Nothing keeps two runs apart any more, and nothing should take concurrency from the pool.
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(
      Object.values(template.findResources('AWS::Lambda::Permission')).filter(
        (p) => p.Properties.Principal === 'events.amazonaws.com',
      ),
    ).toEqual([]);
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
      // The raw events table is gone, and nothing is told its name.
      expect(variables.EVENTS_TABLE, id).toBeUndefined();
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('tells the collector, and only the collector, the events stream\'s name', () => {
    expect(fnProps('events').Environment.Variables.EVENTS_STREAM).toEqual({ Ref: streamId });
    for (const id of FUNCTION_IDS.filter((id) => id !== 'events')) {
      expect(fnProps(id).Environment.Variables.EVENTS_STREAM, id).toBeUndefined();
    }
  });

  it('hands every API function the read key by reference to the generated secret, never as a literal', () => {
    const secretId = logicalId(stack, stack.readKey.secret);
    for (const id of API_FUNCTION_IDS) {
      expect(fnProps(id).Environment.Variables.LIVEINSIGHT_API_KEY).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
    }
    // The consumer answers no request: it has no key to compare.
    expect(isStreamConsumer('aggregate')).toBe(true);
    expect(fnProps('aggregate').Environment.Variables.LIVEINSIGHT_API_KEY).toBeUndefined();
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 40, ExcludePunctuation: true }),
    });
  });

  it('lets the collector put records on the stream, and nothing more there', () => {
    const actions = actionsOn(grants.events, streamId);
    expect(actions.has('kinesis:PutRecords')).toBe(true);
    for (const read of ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:SubscribeToShard']) {
      expect(actions.has(read), read).toBe(false);
    }
  });

  it('keeps the collector\'s read and write access to stats (site registry, salts, health) and nothing on sessions', () => {
    const actions = actionsOn(grants.events, tableIds.stats);
    for (const action of [...READS, ...WRITES]) expect(actions.has(action), `stats ${action}`).toBe(true);
    expect(actionsOn(grants.events, tableIds.sessions).size).toBe(0);
    expect(actionsOn(grants.events, `${tableIds.sessions}/index/*`).size).toBe(0);
  });

  it('lets the consumer read and write sessions and stats, and read the stream without putting to it', () => {
    for (const tableId of ['sessions', 'stats'] as const) {
      const actions = actionsOn(grants.aggregate, tableIds[tableId]);
      for (const action of [...READS, ...WRITES]) expect(actions.has(action), `${tableId} ${action}`).toBe(true);
    }
    const onStream = actionsOn(grants.aggregate, streamId);
    for (const action of ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:DescribeStream']) {
      expect(onStream.has(action), action).toBe(true);
    }
    expect(onStream.has('kinesis:PutRecords')).toBe(false);
    expect(onStream.has('kinesis:PutRecord')).toBe(false);
  });

  it('lets the consumer send to its failure queue, and no other function touch it', () => {
    const queueId = logicalId(stack, stack.stream.failures);
    expect(actionsOn(grants.aggregate, queueId).has('sqs:SendMessage')).toBe(true);
    for (const id of API_FUNCTION_IDS) expect(actionsOn(grants[id], queueId).size, id).toBe(0);
  });

  it('gives the readers read-only access: no write action on any table or index', () => {
    for (const id of READERS) {
      expect(actionsOn(grants[id], tableIds.stats).has('dynamodb:Query'), id).toBe(true);
      expect(actionsOn(grants[id], tableIds.stats).has('dynamodb:BatchGetItem'), id).toBe(true);
      for (const tableId of TABLE_IDS) {
        for (const resource of [tableIds[tableId], `${tableIds[tableId]}/index/*`]) {
          const actions = actionsOn(grants[id], resource);
          for (const write of WRITES) expect(actions.has(write), `${id} ${write} on ${resource}`).toBe(false);
          for (const action of actions) expect(READ_ONLY.has(action), `${id} ${action} on ${resource}`).toBe(true);
        }
      }
      const all = grants[id].flatMap((grant) => grant.actions);
      expect(all.some((action) => action.startsWith('dynamodb:') && action.endsWith('*')), id).toBe(false);
      expect(all.some((action) => action.startsWith('kinesis:') || action.startsWith('sqs:')), id).toBe(false);
    }
  });

  it('lets realtime query the sessions ActivityIndex', () => {
    expect(actionsOn(grants.realtime, `${tableIds.sessions}/index/*`).has('dynamodb:Query')).toBe(true);
  });

  it('keeps stats and sites on the stats table alone', () => {
    for (const id of ['stats', 'sites'] as const) {
      expect(actionsOn(grants[id], tableIds.sessions).size, `${id} on sessions`).toBe(0);
      expect(actionsOn(grants[id], `${tableIds.sessions}/index/*`).size, `${id} on sessions indexes`).toBe(0);
    }
  });

  it('grants DynamoDB actions on the sessions and stats tables only', () => {
    const known = new Set(TABLE_IDS.flatMap((id) => [tableIds[id], `${tableIds[id]}/index/*`]));
    for (const id of FUNCTION_IDS) {
      for (const grant of grants[id].filter((g) => g.actions.some((action) => action.startsWith('dynamodb:')))) {
        for (const resource of grant.resources) expect(known.has(resource), `${id} on ${resource}`).toBe(true);
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

  it('serves no API route from the consumer', () => {
    const consumerId = logicalId(stack, stack.functions.aggregate);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(JSON.stringify(method.Properties.Integration ?? {})).not.toContain(consumerId);
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
      expect(JSON.stringify(permission.Properties.FunctionName)).not.toContain(consumerId);
    }
  });
});
