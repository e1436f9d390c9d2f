import { App } from 'aws-cdk-lib';
import { LiveInsightStack } from '../lib/liveinsight-stack.js';

const app = new App();
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? 'dev';
new LiveInsightStack(app, `LiveInsight-${stage}`, {
  stage,
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
  },
});
