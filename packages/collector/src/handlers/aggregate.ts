import type { KinesisStreamEvent } from 'aws-lambda';
import { aggregate } from '../service/aggregate.js';

/**
 * The events stream's consumer (Kinesis event source mapping: parallelization factor 1,
 * bisect on error, ReportBatchItemFailures). A failed session reports its first record;
 * any other failure throws, and Lambda sends the batch again.
 */
// (Lambda's second argument is its context, not options: the defaults apply.)
export const handler = (event: KinesisStreamEvent) => aggregate(event);
