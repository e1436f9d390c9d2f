import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig, type ContextKey } from '../lib/config.js';
import { LiveInsightStack } from '../lib/liveinsight-stack.js';

const app = new App();
const config = readConfig((key: ContextKey) => app.node.tryGetContext(key));
new LiveInsightStack(app, `LiveInsight-${config.stage}`, {
  config,
  description: `LiveInsight web analytics, stage ${config.stage}`,
  // Account-agnostic unless the CLI knows one: synth needs no credentials, and nothing
  // in the stack looks anything up.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.region },
});
// Every AwsSolutions finding fails the synth unless acknowledged next to its resource.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
