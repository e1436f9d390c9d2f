import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ADMIN_SECRET_ENV,
  FUNCTIONS,
  isStreamConsumer,
  ORIGIN_SECRET_ENV,
  takesApiKey,
  type ApiFunctionId,
  type FunctionId,
  type FunctionSpec,
  type StreamAccess,
  type StreamFunctionId,
  type TableAccess,
} from '@liveinsight/collector/functions';
import { EVENTS_STREAM, TABLES, type TableId } from '@liveinsight/collector/tables';
import type { EventArchive } from './archive.js';
import { CollectorFunction } from './function.js';
import { CONSUMER_SETTINGS, type EventsStream } from './stream.js';

export { FUNCTIONS, isStreamConsumer, takesApiKey, type ApiFunctionId, type FunctionId, type FunctionSpec, type StreamAccess, type StreamFunctionId };

export interface CollectorFunctionsProps {
  readonly tables: Record<TableId, Table>;
  readonly stream: EventsStream;
  /** The repository root; the handlers are packages/collector/src/handlers/<id>.ts. */
  readonly projectRoot: string;
  readonly logRetention: RetentionDays;
  /**
   * The bootstrap admin key's secret: the functions that check keys (`takesApiKey`) read
   * it by ARN; the consumer and the archive's transformation answer no request and are
   * not given it.
   */
  readonly adminSecret: ISecret;
  /** What CloudFront sends in ORIGIN_HEADER; the same functions read it by ARN. */
  readonly originSecret: ISecret;
  /** The event archive: the `query` function reads it. (Firehose runs `archive`, see ArchiveDelivery.) */
  readonly archive: EventArchive;
}

/**
 * The collector's Lambda functions, one per route handler plus the events stream's consumer
 * and the archive's transformation, each bound to the tables it needs; the collector may
 * put records on the stream, the consumer reads it through an event source mapping, and
 * `query` reads the event archive. `archive` gets nothing here: Firehose invokes it with
 * its own role (ArchiveDelivery), and it reads and writes nothing itself.
 */
export class CollectorFunctions extends Construct {
  readonly functions: Record<FunctionId, CollectorFunction>;
  /** The consumer's event source mapping on the events stream. */
  readonly consumer: KinesisEventSource;

  constructor(scope: Construct, id: string, props: CollectorFunctionsProps) {
    super(scope, id);
    const { stream, failures } = props.stream;
    const consumers: KinesisEventSource[] = [];
    const build = (fnId: FunctionId): CollectorFunction => {
      const definition: FunctionSpec = FUNCTIONS[fnId];
      const fn = new CollectorFunction(this, fnId, {
        entry: `${props.projectRoot}/packages/collector/src/handlers/${fnId}.ts`,
        projectRoot: props.projectRoot,
        description: definition.description,
        logRetention: props.logRetention,
        ...(definition.timeoutS && { timeout: Duration.seconds(definition.timeoutS) }),
        ...(definition.memoryMb && { memorySize: definition.memoryMb }),
      });
      if (takesApiKey(fnId)) {
        fn.bindSecret(ADMIN_SECRET_ENV, props.adminSecret);
        fn.bindSecret(ORIGIN_SECRET_ENV, props.originSecret);
      }
      for (const [tableId, access] of Object.entries(definition.tables) as [TableId, TableAccess][]) {
        fn.bindTable(props.tables[tableId], TABLES[tableId], access);
      }
      if (definition.stream === 'put') {
        // The name, as PutRecords takes it; the grant is PutRecord(s) and ListShards.
        fn.addEnvironment(EVENTS_STREAM.envVar, stream.streamName);
        stream.grantWrite(fn);
      } else if (definition.stream === 'consume') {
        // The mapping grants the reads it needs (GetRecords, GetShardIterator, ...) and
        // SendMessage on the queue. The function is not told the stream's name: Lambda
        // hands it the records.
        const source = new KinesisEventSource(stream, { ...CONSUMER_SETTINGS, onFailure: new SqsDlq(failures) });
        fn.addEventSource(source);
        consumers.push(source);
      }
      if (definition.archive === 'query') props.archive.bindQuery(fn);
      return fn;
    };
    const ids = Object.keys(FUNCTIONS) as FunctionId[];
    this.functions = Object.fromEntries(ids.map((fnId) => [fnId, build(fnId)])) as Record<FunctionId, CollectorFunction>;
    this.consumer = consumers[0]!;
  }
}
