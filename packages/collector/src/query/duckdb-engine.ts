/**
 * DuckDB in process, over the archive's files under the data dir: the local engine. Its
 * automatic extension downloads are off, so a missing extension fails rather than reaching
 * for the network (JSON and Parquet are built in).
 *
 * A closed day (before today, UTC) is read from a Parquet copy of its NDJSON files, written
 * by DuckDB the first time a query needs it, in `<archive>/../archive-cache/`: columnar,
 * so a month of a busy site answers in well under a second. The copy is named after the
 * files it was made from (names and sizes), so an event that arrives late for a closed day
 * makes a new copy. The NDJSON archive stays the source of truth; the cache can be deleted.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ARCHIVE_COLUMNS, partitionPath } from '../archive/record.js';
import { fnv1a } from '../lib/hash.js';
import { DAY_MS } from '../lib/time.js';
import { duckdbDialect, duckType, type LocalFiles } from './dialect.js';
import type { QueryEngine, Row } from './engine.js';
import { daysOf, type BuiltQuery } from './sql.js';

export function duckdbEngine(archiveDir: string, options: { cacheDir?: string } = {}): QueryEngine & { close(): void } {
  const cacheDir = options.cacheDir ?? join(dirname(archiveDir), 'archive-cache');
  /** The Parquet copies that are current, by partition: filled by prepare(), read by the dialect. */
  const current = new Map<string, string>();

  const ndjsonOf = (site: string, day: string): { path: string; size: number }[] => {
    const folder = join(archiveDir, partitionPath(site, day));
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((f) => f.endsWith('.ndjson'))
      .sort()
      .map((f) => ({ path: join(folder, f), size: statSync(join(folder, f)).size }));
  };
  const copyName = (files: { path: string; size: number }[]) => `${fnv1a(files.map((f) => `${f.path}:${f.size}`).join('\n')).toString(36)}.parquet`;

  const files = (site: string, days: readonly string[]): LocalFiles => {
    const out: LocalFiles = { parquet: [], json: [] };
    for (const day of days) {
      const copy = current.get(partitionPath(site, day));
      if (copy) out.parquet.push(copy);
      else out.json.push(...ndjsonOf(site, day).map((f) => f.path));
    }
    return out;
  };
  const dialect = duckdbDialect(files);
  const columns = ARCHIVE_COLUMNS.map(({ name, type }) => `${name}: '${duckType(type)}'`).join(', ');

  let connection: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  const connect = () =>
    (connection ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
      const c = await instance.connect();
      // DuckDB 1.5's rewrite of "row_number() … WHERE copy = 1" (the dedup) fails an internal assertion.
      await c.run("SET disabled_optimizers = 'top_n_window_elimination'");
      return { instance, connection: c };
    })());
  const run = async ({ sql, params }: BuiltQuery): Promise<Row[]> => {
    const { connection: c } = await connect();
    const reader = await c.runAndReadAll(sql, params);
    return reader.getRowObjectsJson() as Row[];
  };
  /** On a connection of its own: a second query on the shared one would close this result. */
  async function* stream({ sql, params }: BuiltQuery): AsyncIterable<Row[]> {
    const { instance } = await connect();
    const own = await instance.connect();
    try {
      await own.run("SET disabled_optimizers = 'top_n_window_elimination'");
      const result = await own.stream(sql, params);
      for await (const rows of result.yieldRowObjectJson()) if (rows.length) yield rows as Row[];
    } finally {
      own.closeSync();
    }
  }
  const quote = (path: string) => `'${path.replace(/'/g, "''")}'`;

  /** Makes (or finds) the Parquet copy of each closed day in the window. */
  const prepare = async (site: string, from: number, to: number, now = Date.now()) => {
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    for (const day of daysOf(from, Math.min(to, today))) {
      const partition = partitionPath(site, day);
      const sources = ndjsonOf(site, day);
      if (!sources.length) {
        current.delete(partition);
        continue;
      }
      const target = join(cacheDir, partition, copyName(sources));
      if (current.get(partition) === target) continue;
      if (!existsSync(target)) {
        mkdirSync(dirname(target), { recursive: true });
        // Copies of the day made from fewer files are stale now.
        for (const old of readdirSync(dirname(target)).filter((f) => f.endsWith('.parquet'))) rmSync(join(dirname(target), old), { force: true });
        const temporary = `${target}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
        const { connection: c } = await connect();
        // Each id once (a redelivered batch is archived twice), ordered by time for tighter row groups.
        const names = ARCHIVE_COLUMNS.map((col) => col.name).join(', ');
        await c.run(
          `COPY (SELECT ${names} FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY time) AS copy FROM read_json([${sources.map((f) => quote(f.path)).join(', ')}], ` +
            `format = 'newline_delimited', ignore_errors = true, hive_partitioning = false, columns = {${columns}}) WHERE id IS NOT NULL) AS d WHERE copy = 1 ORDER BY time) ` +
            `TO ${quote(temporary)} (FORMAT parquet)`,
        );
        renameSync(temporary, target);
      }
      current.set(partition, target);
    }
  };

  return {
    name: 'duckdb',
    dialect,
    run,
    stream,
    prepare,
    close() {
      void connection?.then(({ connection: c, instance }) => {
        c.closeSync();
        instance.closeSync();
      });
    },
  };
}
