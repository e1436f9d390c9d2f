import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LiveInsightTables } from './tables.js';

export interface LiveInsightStackProps extends StackProps {
  /** API Gateway stage name, `dev` by default as in the original deployment. */
  readonly stage: string;
}

/** Wires the constructs; each construct owns one concern. */
export class LiveInsightStack extends Stack {
  constructor(scope: Construct, id: string, props: LiveInsightStackProps) {
    super(scope, id, props);
    new LiveInsightTables(this, 'Tables');
  }
}
