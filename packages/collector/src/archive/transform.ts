import { decodeRecord } from '../stream/record.js';
import { archiveRecord, type ArchiveRecord } from './record.js';

/** The archive records of a stream record's data (one or more lines). */
export function archiveRecordsOf(data: string): { records: ArchiveRecord[]; skipped: number } {
  const { events, skipped } = decodeRecord(data);
  return { records: events.map(archiveRecord), skipped };
}

/**
 * The archive lines of stream data, joined by newlines with none after the last (Firehose
 * appends the delimiter); `''` when it held none, undefined when it held a line of a
 * version this reader does not know.
 */
export function archiveLines(data: string): string | undefined {
  const { records, skipped } = archiveRecordsOf(data);
  if (skipped) return undefined;
  return records.map((record) => JSON.stringify(record)).join('\n');
}
