/**
 * Where archive queries run: DuckDB over the local files (local/server.ts installs it), or
 * Athena in AWS (the default, made on first use from ARCHIVE_ENV). Only the local stack
 * imports DuckDB: no Lambda bundle contains it.
 */
import type { BuiltQuery } from './sql.js';
import type { Dialect } from './dialect.js';

export type Row = Record<string, string | number | null>;

export interface QueryEngine {
  readonly name: 'duckdb' | 'athena';
  readonly dialect: Dialect;
  run(query: BuiltQuery): Promise<Row[]>;
  /** The rows a chunk at a time, for an answer of any length (GET /api/export). */
  stream(query: BuiltQuery): AsyncIterable<Row[]>;
  /** Readies what a query of the site's window reads (DuckDB: the Parquet copies of closed days). */
  prepare?(site: string, from: number, to: number): Promise<void>;
}

let installed: QueryEngine | undefined;
let fallback: Promise<QueryEngine> | undefined;

export function setQueryEngine(engine: QueryEngine | undefined): void {
  installed = engine;
}

export async function queryEngine(): Promise<QueryEngine> {
  if (installed) return installed;
  fallback ??= import('./athena-engine.js').then((m) => m.athenaEngineFromEnv());
  return fallback;
}
