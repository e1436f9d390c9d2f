import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synthesize } from './support/synth.js';

/** Every acknowledgment in the tree: rule id, where, and the reason given. */
function acknowledgments(root: IConstruct) {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          id,
          path: construct.node.path,
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the default stack, errors or warnings', () => {
    const { app } = synthesize();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('finds nothing unacknowledged with the alarm topic either', () => {
    const { app } = synthesize({ context: { alarmEmail: 'ops@example.com' } });
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('gives every acknowledgment a reason of its own', () => {
    const { app } = synthesize();
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(10);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });

  it('acknowledges no rule for the whole stack, only on the resources it concerns', () => {
    const { app, stack } = synthesize();
    const onStack = acknowledgments(app).filter((ack) => ack.path === stack.node.path || ack.path === '');
    expect(onStack).toEqual([]);
  });

  it('still fails a resource that breaks a rule nobody acknowledged', async () => {
    const { app, stack } = synthesize();
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    new Bucket(stack, 'Careless');
    const rules = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
