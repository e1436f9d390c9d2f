import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { ADMIN_KEY_ENV, ADMIN_SECRET_ENV, AUTO_SITES_ENV, ORIGIN_SECRET_ENV } from '@liveinsight/collector/functions';
import { FUNCTIONS, isStreamConsumer, takesApiKey, type FunctionId } from '../lib/functions.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { actionsOn, grantsOfRole, logicalId, type Grant } from './support/iam.js';
import { synthesize } from './support/synth.js';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const API_FUNCTION_IDS = FUNCTION_IDS.filter(takesApiKey);
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

  it('runs the seven API handlers, the stream consumer and the archive\'s transformation on Node.js 22, arm64, as `handler` of an ES module bundle', () => {
    expect([...FUNCTION_IDS].sort()).toEqual(['admin', 'aggregate', 'archive', 'events', 'export', 'query', 'realtime', 'sites', 'stats']);
    expect([...API_FUNCTION_IDS].sort()).toEqual(['admin', 'events', 'export', 'query', 'realtime', 'sites', 'stats']);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })))
      .toHaveLength(9);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
  });

  it('gives the API handlers 256 MB and 30 s (admin and query 29 s), the transformation 60 s, and the consumer a full vCPU (1,769 MB) and 60 s', () => {
    for (const id of ['events', 'realtime', 'stats', 'sites'] as const) {
      expect(fnProps(id), id).toMatchObject({ MemorySize: 256, Timeout: 30 });
    }
    expect(fnProps('admin')).toMatchObject({ MemorySize: 256, Timeout: 29 });
    expect(fnProps('query')).toMatchObject({ MemorySize: 256, Timeout: 29 });
    expect(fnProps('archive')).toMatchObject({ MemorySize: 256, Timeout: 60 });
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

  it('holds no secret value in any function\'s environment, neither literal nor resolved at deploy time', () => {
    // The collector's and aws-cdk-lib's own (the deployment handler, the bucket's auto-delete).
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(FUNCTION_IDS.length);
    for (const fn of functions) {
      const variables = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(variables)) {
        // A dynamic reference, whole or built with Fn::Join, is resolved into the
        // function's configuration, where anyone who may read it sees the value.
        expect(JSON.stringify(value), name).not.toMatch(/resolve:secretsmanager|resolve:ssm-secure/);
        expect(JSON.stringify(value), name).not.toContain('SecretString');
      }
      // The local stack's variables: the key itself, and sites registered by their first event.
      expect(variables[ADMIN_KEY_ENV]).toBeUndefined();
      expect(variables[AUTO_SITES_ENV]).toBeUndefined();
    }
  });

  it('gives every API function the ARNs of the admin key and origin secrets, and the grant to read them', () => {
    const secrets = { [ADMIN_SECRET_ENV]: stack.adminKey.secret, [ORIGIN_SECRET_ENV]: stack.originSecret.secret };
    for (const id of API_FUNCTION_IDS) {
      for (const [envVar, secret] of Object.entries(secrets)) {
        const secretId = logicalId(stack, secret);
        // A Secret's Ref is its ARN.
        expect(fnProps(id).Environment.Variables[envVar], `${id} ${envVar}`).toEqual({ Ref: secretId });
        expect(actionsOn(grants[id], `Ref:${secretId}`).has('secretsmanager:GetSecretValue'), `${id} ${envVar}`).toBe(true);
      }
      // Reading is all: no function may change or replace a secret.
      const onSecrets = grants[id].filter((grant) => grant.actions.some((action) => action.startsWith('secretsmanager:')));
      for (const action of onSecrets.flatMap((grant) => grant.actions)) {
        expect(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], `${id} ${action}`).toContain(action);
      }
    }
    // The consumer and the transformation answer no request: they have no key to check,
    // and no secret to read.
    expect(isStreamConsumer('aggregate')).toBe(true);
    for (const id of ['aggregate', 'archive'] as const) {
      expect(takesApiKey(id), id).toBe(false);
      expect(fnProps(id).Environment.Variables[ADMIN_SECRET_ENV], id).toBeUndefined();
      expect(fnProps(id).Environment.Variables[ORIGIN_SECRET_ENV], id).toBeUndefined();
      expect(grants[id].flatMap((grant) => grant.actions).filter((action) => action.startsWith('secretsmanager:')), id).toEqual([]);
    }
  });

  it('generates both secrets at deploy time: two distinct secrets, 40 letters and digits', () => {
    const adminId = logicalId(stack, stack.adminKey.secret);
    const originId = logicalId(stack, stack.originSecret.secret);
    expect(adminId).not.toBe(originId);
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const id of [adminId, originId]) {
      expect(template.toJSON().Resources[id].Properties.GenerateSecretString).toMatchObject({
        PasswordLength: 40,
        ExcludePunctuation: true,
        IncludeSpace: false,
      });
      expect(template.toJSON().Resources[id].Properties.SecretString).toBeUndefined();
    }
  });

  it('binds each function to exactly the tables and access its spec names', () => {
    for (const id of FUNCTION_IDS) {
      const spec = FUNCTIONS[id].tables as Partial<Record<TableId, string>>;
      for (const tableId of TABLE_IDS) {
        const actions = actionsOn(grants[id], tableIds[tableId]);
        const access = spec[tableId];
        const where = `${id} on ${tableId} (${access ?? 'unbound'})`;
        if (!access) {
          expect(actions.size, where).toBe(0);
          continue;
        }
        const reads = READS.every((action) => actions.has(action));
        const writes = WRITES.every((action) => actions.has(action));
        expect(reads, where).toBe(access !== 'write');
        expect(writes, where).toBe(access !== 'read');
        if (access === 'read') for (const action of actions) expect(READ_ONLY.has(action), `${where}: ${action}`).toBe(true);
      }
    }
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

  it('gives the readers read-only access to the data: no write action on any table or index but a key\'s last use', () => {
    for (const id of READERS) {
      expect(actionsOn(grants[id], tableIds.stats).has('dynamodb:Query'), id).toBe(true);
      expect(actionsOn(grants[id], tableIds.stats).has('dynamodb:BatchGetItem'), id).toBe(true);
      // The keys table is where a reader records that a key was used.
      for (const tableId of TABLE_IDS.filter((t) => t !== 'keys')) {
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

  it('keeps the stats and sites readers away from sessions', () => {
    for (const id of ['stats', 'sites'] as const) {
      expect(actionsOn(grants[id], tableIds.sessions).size, `${id} on sessions`).toBe(0);
      expect(actionsOn(grants[id], `${tableIds.sessions}/index/*`).size, `${id} on sessions indexes`).toBe(0);
    }
  });

  it('grants DynamoDB actions on the stack\'s own tables only', () => {
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

  it('serves no API route from the consumer or the archive\'s transformation', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThan(0);
    for (const id of ['aggregate', 'archive'] as const) {
      const fnId = logicalId(stack, stack.functions[id]);
      for (const method of methods) expect(JSON.stringify(method.Properties.Integration ?? {}), id).not.toContain(fnId);
      // Firehose invokes the transformation with its own role, not through a resource policy.
      for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
        expect(JSON.stringify(permission.Properties.FunctionName), id).not.toContain(fnId);
      }
    }
  });
});
