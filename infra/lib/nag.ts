import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct and its children, with the reason
 * next to the resource it concerns. `id` may name a single finding, e.g.
 * `AwsSolutions-IAM5[Resource::...]`, so that other findings of the rule still fail.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges the findings of `rule` that the construct has now, for constructs whose
 * resources aws-cdk-lib writes (their findings name account- and region-specific ARNs
 * that we cannot spell out). Anything added to them afterwards is checked again.
 */
export function acknowledgeCurrentFindings(scope: IConstruct, rule: string, reason: string): void {
  const { violations } = new AwsSolutionsChecks().validateScope(scope);
  for (const violation of violations) {
    if (violation.ruleName === rule || violation.ruleName.startsWith(`${rule}[`)) {
      acknowledge(scope, violation.ruleName, reason);
    }
  }
}
