/**
 * GET /api/export?site_id=S&from=YYYY-MM-DD&to=YYYY-MM-DD[&format=ndjson|csv]: a window's
 * archived events, deduplicated by event id, oldest first, in the archive's own columns
 * (archive/record.ts). The archive itself is the owner's raw data in an open format; this
 * is the way to it that needs only a read key. The answer is streamed as the engine reads
 * it (lambda/streaming.ts), so a window's size is bounded by time, not by a payload limit.
 */
import { SITE_ID } from '@liveinsight/contract';
import { ARCHIVE_COLUMNS } from '../archive/record.js';
import { BadRequestError } from '../errors.js';
import { DAY_MS } from '../lib/time.js';
import { queryEngine, type Row } from '../query/engine.js';
import { buildEventsQuery } from '../query/sql.js';

const MAX_DAYS = 400;

export interface ExportQuery {
  siteId: string;
  from: number;
  to: number;
  fromLabel: string;
  toLabel: string;
  format: 'ndjson' | 'csv';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseExport(params: Record<string, string | undefined> | null): ExportQuery {
  const p = params ?? {};
  const siteId = p.site_id;
  if (!siteId) throw new BadRequestError('site_id is required');
  if (!SITE_ID.test(siteId)) throw new BadRequestError('site_id: not a site id');
  const day = (name: 'from' | 'to') => {
    const text = p[name];
    if (!text || !DATE.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) throw new BadRequestError(`${name}: a date, YYYY-MM-DD`);
    return { text, ms: Date.parse(`${text}T00:00:00Z`) };
  };
  const from = day('from');
  const to = day('to');
  if (to.ms < from.ms) throw new BadRequestError('to: must not be before from');
  if ((to.ms - from.ms) / DAY_MS + 1 > MAX_DAYS) throw new BadRequestError(`to: at most ${MAX_DAYS} days from from`);
  const format = p.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new BadRequestError('format: ndjson or csv');
  return { siteId, from: from.ms, to: to.ms + DAY_MS, fromLabel: from.text, toLabel: to.text, format };
}

/**
 * The window's lines, CSV with its header first. The query runs before this returns (its
 * first rows are read), so that a query that fails is still answered with its status.
 */
export async function exportEvents(query: ExportQuery): Promise<{ lines: AsyncIterable<string>; contentType: string }> {
  const engine = await queryEngine();
  await engine.prepare?.(query.siteId, query.from, query.to);
  const chunks = await started(engine.stream(buildEventsQuery(query.siteId, query.from, query.to, engine.dialect)));
  const csv = query.format === 'csv';
  async function* lines(): AsyncIterable<string> {
    if (csv) yield `${ARCHIVE_COLUMNS.map((c) => c.name).join(',')}\r\n`;
    for await (const rows of chunks) yield rows.map((row) => (csv ? csvLine(row) : `${JSON.stringify(ndjsonRow(row))}\n`)).join('');
  }
  return { lines: lines(), contentType: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8' };
}

/** The same sequence, its first item already read: a failure to start surfaces here. */
async function started<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* () {
    try {
      for (let next = first; !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // A client gone mid-way: the engine's result (DuckDB's connection) is let go.
      await iterator.return?.();
    }
  })();
}

/** Numbers back to numbers and props to an object, as the archive line had them. */
function ndjsonRow(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, type } of ARCHIVE_COLUMNS) {
    const value = row[name];
    out[name] = value === null || value === undefined ? null : type === 'bigint' || type === 'int' ? Number(value) : name === 'props' ? propsOf(value) : value;
  }
  return out;
}

function propsOf(value: unknown): Record<string, string> {
  if (value && typeof value === 'object') {
    // DuckDB hands a MAP as [{key, value}] in its JSON rows.
    if (Array.isArray(value)) return Object.fromEntries((value as { key: string; value: string }[]).map((e) => [e.key, e.value]));
    return value as Record<string, string>;
  }
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as Record<string, string>;
    } catch {
      return {};
    }
  }
  return {};
}

/** One CSV row; a cell a spreadsheet would read as a formula is prefixed with `'`. */
function csvLine(row: Row): string {
  const record = ndjsonRow(row);
  return `${ARCHIVE_COLUMNS.map(({ name }) => {
    const value = record[name];
    let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(',')}\r\n`;
}
