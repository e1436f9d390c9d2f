import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export interface Grant {
  readonly actions: readonly string[];
  /** `Logical` for an ARN attribute, `Logical/index/*` for its indexes, `*` for everything. */
  readonly resources: readonly string[];
}

export const logicalId = (stack: Stack, construct: IConstruct): string =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

/** Every statement of every policy attached to the role, resources named by logical id. */
export function grantsOfRole(template: Template, roleLogicalId: string): Grant[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
  );
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Effect: string; Action: unknown; Resource: unknown }[]).map(
      (statement) => {
        if (statement.Effect !== 'Allow') throw new Error('only Allow statements expected');
        return { actions: toArray(statement.Action) as string[], resources: toArray(statement.Resource).map(describe) };
      },
    ),
  );
}

/** The actions granted on one resource description. */
export function actionsOn(grants: Grant[], resource: string): Set<string> {
  return new Set(grants.filter((grant) => grant.resources.includes(resource)).flatMap((grant) => grant.actions));
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function describe(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const r = resource as Record<string, unknown>;
  if (r['Fn::GetAtt']) return (r['Fn::GetAtt'] as string[])[0]!;
  if (r.Ref) return `Ref:${r.Ref as string}`;
  if (r['Fn::Join']) {
    const [, parts] = r['Fn::Join'] as [string, unknown[]];
    return parts.map(describe).join('');
  }
  return JSON.stringify(resource);
}
