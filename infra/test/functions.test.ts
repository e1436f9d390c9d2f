import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableId } from '@liveinsight/collector/tables';
import { FLUSH_GRACE_MS, FUNCTIONS, type FunctionId } from '../lib/functions.js';
import type { LiveInsightStack } from '../lib/liveinsight-stack.js';
import { actionsOn, grantsOfRole, logicalId, type Grant } from './support/iam.js';
import { synthesize } from './support/synth.js';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const TABLE_IDS = Object.keys(TABLES) as TableId[];
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

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

  it('runs the five handlers on Node.js 22, arm64, 256 MB, as `handler` of an ES module bundle', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })))
      .toHaveLength(5);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Handler: 'index.handler',
      });
    }
  });

  it('gives the API handlers 30 s and the flush 50 s', () => {
    for (const id of ['events', 'realtime', 'stats', 'sites'] as const) expect(fnProps(id).Timeout, id).toBe(30);
    expect(fnProps('flush').Timeout).toBe(50);
  });

  it('hands every function the flush grace of 60 s', () => {
    expect(FLUSH_GRACE_MS).toBe(60_000);
    for (const id of FUNCTION_IDS) {
      expect(fnProps(id).Environment.Variables.LIVEINSIGHT_FLUSH_GRACE_MS, id).toBe('60000');
    }
  });

  it('keeps every function\'s timeout below the flush grace, so no delta write is still in flight when it is folded', () => {
    for (const id of FUNCTION_IDS) {
      const graceSeconds = Number(fnProps(id).Environment.Variables.LIVEINSIGHT_FLUSH_GRACE_MS) / 1000;
      expect(fnProps(id).Timeout, id).toBeLessThan(graceSeconds);
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

  it('hands every API function the read key by reference to the generated secret, never as a literal', () => {
    const secretId = logicalId(stack, stack.readKey.secret);
    for (const id of ['events', 'realtime', 'stats', 'sites'] as const) {
      expect(fnProps(id).Environment.Variables.LIVEINSIGHT_API_KEY).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
    }
    // The flush answers no request: it has no key to compare.
    expect(fnProps('flush').Environment.Variables.LIVEINSIGHT_API_KEY).toBeUndefined();
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

  it('lets the readers and the flush read and write stats (they flush before reading), and write nothing else', () => {
    for (const id of ['realtime', 'stats', 'sites', 'flush'] as const) {
      const actions = actionsOn(grants[id], tableIds.stats);
      for (const action of [...READS, 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
        expect(actions.has(action), `${id} ${action}`).toBe(true);
      }
      for (const other of ['events', 'sessions'] as const) {
        for (const resource of [tableIds[other], `${tableIds[other]}/index/*`]) {
          const otherActions = actionsOn(grants[id], resource);
          for (const write of WRITES) expect(otherActions.has(write), `${id} ${write} on ${other}`).toBe(false);
        }
      }
      const all = grants[id].flatMap((grant) => grant.actions);
      expect(all.some((action) => action.endsWith('*') && action.startsWith('dynamodb:')), id).toBe(false);
    }
  });

  it('lets realtime query the sessions ActivityIndex', () => {
    expect(actionsOn(grants.realtime, `${tableIds.sessions}/index/*`).has('dynamodb:Query')).toBe(true);
  });

  it('keeps stats, sites and the flush on the stats table alone', () => {
    for (const id of ['stats', 'sites', 'flush'] as const) {
      for (const other of ['events', 'sessions'] as const) {
        expect(actionsOn(grants[id], tableIds[other]).size, `${id} on ${other}`).toBe(0);
        expect(actionsOn(grants[id], `${tableIds[other]}/index/*`).size, `${id} on ${other} indexes`).toBe(0);
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

describe('flush schedule', () => {
  let template: Template;
  let stack: LiveInsightStack;
  let resources: Record<string, { Type: string; Properties: Record<string, any> }>;

  beforeAll(() => {
    ({ template, stack } = synthesize());
    resources = template.toJSON().Resources;
  });

  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  it('runs the flush once a minute through one EventBridge rule, and nothing else on a schedule', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions.flush), 'Arn'] },
        // A missed run is not retried: the next one, a minute later, resumes.
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    ]);
    expect(logicalId(stack, stack.functions.flush)).toMatch(/^Functionsflush/);
  });

  it('lets EventBridge invoke the flush from that rule alone', () => {
    const fromEvents = ofType('AWS::Lambda::Permission').filter((p) => p.Properties.Principal === 'events.amazonaws.com');
    expect(fromEvents.map((p) => p.Properties)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack, stack.functions.flush), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.schedules.flush), 'Arn'] },
      }),
    ]);
  });

  it('does not retry a failed flush, and reserves no concurrency', () => {
    const flush = { Ref: logicalId(stack, stack.functions.flush) };
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    expect(configs.map((c) => c.Properties)).toEqual([
      expect.objectContaining({ FunctionName: flush, MaximumRetryAttempts: 0, Qualifier: '$LATEST' }),
    ]);
    for (const fn of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('serves no API route from the flush', () => {
    const flushId = logicalId(stack, stack.functions.flush);
    const methods = ofType('AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(JSON.stringify(method.Properties.Integration ?? {})).not.toContain(flushId);
  });
});
