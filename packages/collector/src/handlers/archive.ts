import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { archiveLines } from '../archive/transform.js';

/**
 * Firehose's record transformation on the way to the archive. Firehose has already split
 * each Kinesis record into its lines (record deaggregation), so a record here is one
 * stream line; it becomes one archive line, and Firehose's jq expression then partitions
 * it by site and day (archive/record.ts). A line no reader understands is marked
 * ProcessingFailed: Firehose keeps it under the error prefix rather than losing it.
 */
export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => ({
  records: event.records.map(({ recordId, data }) => {
    const lines = archiveLines(Buffer.from(data, 'base64').toString('utf8'));
    return lines === undefined
      ? { recordId, result: 'ProcessingFailed' as const, data }
      : lines
        ? { recordId, result: 'Ok' as const, data: Buffer.from(lines).toString('base64') }
        : { recordId, result: 'Dropped' as const, data };
  }),
});
