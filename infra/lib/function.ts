import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, LAMBDA_ALIASES, type TableAccess } from '@liveinsight/collector/functions';
import type { CfnTable, ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TableDefinition } from '@liveinsight/collector/tables';
import { acknowledge } from './nag.js';

/** Which data-plane actions a function gets on a table. */
export type { TableAccess };

const GRANTS: Record<TableAccess, (table: ITable, fn: NodejsFunction) => void> = {
  read: (table, fn) => table.grantReadData(fn),
  write: (table, fn) => table.grantWriteData(fn),
  readWrite: (table, fn) => table.grantReadWriteData(fn),
};

export interface CollectorFunctionProps {
  /** The TypeScript module that exports `handler`. */
  readonly entry: string;
  /** The repository root: where the lock file and node_modules live. */
  readonly projectRoot: string;
  readonly description: string;
  readonly logRetention: RetentionDays;
  /** 30 s, as the original deployment's API handlers, unless given. */
  readonly timeout?: Duration;
  /** 256 MB, as the original deployment's API handlers, unless given. */
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
}

// The collector is an ES module and some of its dependencies are CommonJS; esbuild's
// ESM output has no `require` for them unless one is created.
const REQUIRE_SHIM = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * One collector handler (an API route's, or the events stream's consumer) as a Lambda
 * function with the defaults fixed once: Node.js 22 on arm64 (cheaper per GB-second than
 * x86), 256 MB / 30 s as the original deployment (the consumer sets its own), bundled
 * locally by esbuild (minified ESM with source maps), JSON logs into its own log group
 * with a retention period, and a role that starts with nothing but that log group: tables
 * are added one by one through `bindTable`, secrets through `bindSecret`, the stream where
 * the function is wired to it.
 */
export class CollectorFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CollectorFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, which may write to any
    // log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (LiveInsight)`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? Duration.seconds(DEFAULT_TIMEOUT_S),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      environment: {
        // Stack traces point at the TypeScript sources rather than the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        // The maps only need to translate positions; the sources stay out of the zip.
        sourcesContent: false,
        // Ship the SDK version the tests ran against rather than the runtime's.
        bundleAwsSDK: true,
        // Lambda's credentials are in the environment; the SDK's wider chain stays out.
        esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
        forceDockerBundling: false,
      },
    });
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is the chosen Lambda runtime (docs/contracts.md): the version the collector is built, typed and tested for. Moving to a newer one is a deliberate upgrade, not a side effect of a CDK release.',
    );
  }

  /**
   * Gives the function one table: its name in the definition's env var and the grant for `access`,
   * together, so that a function can never know a table it may not touch or touch one
   * it cannot name.
   */
  bindTable(table: Table, definition: TableDefinition, access: TableAccess): this {
    this.addEnvironment(definition.envVar, table.tableName);
    GRANTS[access](table, this);
    if (definition.globalIndexes.length > 0) {
      const logicalId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnTable);
      acknowledge(
        this.role!,
        `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        'The table grant covers the indexes of that one table (the realtime reader queries the ActivityIndex); no other resource is matched.',
      );
    }
    return this;
  }

  /**
   * Gives the function one secret: its ARN (never its value) in `envVar` and the grant to
   * read it, together. The function reads the value from Secrets Manager when it needs it,
   * so the value is in no environment, template or cloud assembly.
   */
  bindSecret(envVar: string, secret: ISecret): this {
    this.addEnvironment(envVar, secret.secretArn);
    secret.grantRead(this);
    return this;
  }
}
