/**
 * DuckDB in process, over the archive's files under the data dir: the local engine. Its
 * automatic extension downloads are off, so a missing extension fails rather than reaching
 * for the network (JSON is built in).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ARCHIVE_COLUMNS, partitionPath } from '../archive/record.js';
import { DAY_MS, dayLabel } from '../lib/time.js';
import { duckdbDialect } from './dialect.js';
import type { QueryEngine, Row } from './engine.js';
import type { BuiltQuery } from './sql.js';

export function duckdbEngine(archiveDir: string): QueryEngine & { close(): void } {
  const files = (site: string, days: readonly string[]) =>
    days.flatMap((day) => {
      const folder = join(archiveDir, partitionPath(site, day));
      return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.ndjson')).map((f) => join(folder, f)) : [];
    });
  const dialect = duckdbDialect(files);
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
  return {
    name: 'duckdb',
    dialect,
    run,
    async *events(site, from, to) {
      const days: string[] = [];
      for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) days.push(dayLabel(day));
      const params: (string | number)[] = [site, from, to];
      const source = dialect.source(site, days, () => '');
      const sql =
        `SELECT ${ARCHIVE_COLUMNS.map((c) => c.name).join(', ')} FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY time) AS copy FROM ${source} AS a ` +
        `WHERE id IS NOT NULL AND site = CAST(? AS VARCHAR) AND time >= CAST(? AS BIGINT) AND time < CAST(? AS BIGINT)) AS r WHERE copy = 1 ORDER BY time, id`;
      for (const row of await run({ sql, params, dimensions: 0 })) yield row;
    },
    close() {
      void connection?.then(({ connection: c, instance }) => {
        c.closeSync();
        instance.closeSync();
      });
    },
  };
}
