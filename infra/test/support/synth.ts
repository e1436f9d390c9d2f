import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readConfig, type ContextKey } from '../../lib/config.js';
import { LiveInsightStack, type LiveInsightStackProps } from '../../lib/liveinsight-stack.js';

export interface SynthOptions {
  readonly context?: Partial<Record<ContextKey, unknown>>;
  /** Run esbuild for the six functions (slow); off, the assets are placeholders. */
  readonly bundle?: boolean;
  readonly dashboardDir?: string;
  readonly trackerDir?: string;
}

/**
 * The stack as `cdk synth` builds it, from context alone and without the environment
 * of the machine running the tests (no CDK_DEFAULT_* leaks in).
 */
export function synthesize(options: SynthOptions = {}) {
  const app = new App({
    context: {
      ...(!options.bundle && { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const config = readConfig((key) => app.node.tryGetContext(key), {});
  const props: LiveInsightStackProps = {
    config,
    env: { region: config.region },
    ...(options.dashboardDir && { dashboardDir: options.dashboardDir }),
    ...(options.trackerDir && { trackerDir: options.trackerDir }),
  };
  const stack = new LiveInsightStack(app, `LiveInsight-${config.stage}`, props);
  return { app, stack, config, template: Template.fromStack(stack) };
}
