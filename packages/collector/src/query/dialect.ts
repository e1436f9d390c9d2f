/**
 * What differs between the two engines that run the SQL builder's queries (sql.ts): DuckDB
 * locally, over the archive's files, and Athena (Trino SQL) in AWS, over the Glue table.
 * Everything else in a query is the SQL both speak.
 */
import { ARCHIVE_COLUMNS, ARCHIVE_PARTITION_KEYS } from '../archive/record.js';

export interface Dialect {
  readonly name: 'duckdb' | 'athena';
  /** A bound parameter of this type. */
  param(type: 'varchar' | 'bigint'): string;
  /**
   * The rows of one site's days, partitions pruned (`days` as YYYY-MM-DD; `bind` binds a
   * value where it is called), one row per event id: a batch delivered twice is archived
   * twice, with the same ids.
   */
  source(site: string, days: readonly string[], bind: (value: string) => string): string;
  /** `col` as a regular-expression match. */
  regexMatch(column: string, pattern: string): string;
  /** A property's value (a string) by its key. */
  prop(key: string): string;
  /** The start of the event's hour, day, week (Monday) or month, as an ISO-ish string Plausible shows. */
  timeBucket(unit: 'hour' | 'day' | 'week' | 'month'): string;
}

const FORMAT = { hour: '%Y-%m-%d %H:00:00', day: '%Y-%m-%d', week: '%Y-%m-%d', month: '%Y-%m-%d' } as const;

/** What DuckDB reads for a site's days: Parquet copies of closed days where they are current, the NDJSON files otherwise. */
export interface LocalFiles {
  parquet: string[];
  json: string[];
}

/** DuckDB over the archive's files; `files(site, days)` lists them (the engine's job: it knows the disk). */
export function duckdbDialect(files: (site: string, days: readonly string[]) => LocalFiles): Dialect {
  const columns = ARCHIVE_COLUMNS.map(({ name, type }) => `${name}: '${duckType(type)}'`).join(', ');
  const names = ARCHIVE_COLUMNS.map((c) => c.name).join(', ');
  // Paths are built by the engine from checked site ids and day labels; quoted all the same.
  const list = (paths: string[]) => `[${paths.map((path) => `'${path.replace(/'/g, "''")}'`).join(', ')}]`;
  return {
    name: 'duckdb',
    param: (type) => `CAST(? AS ${type === 'bigint' ? 'BIGINT' : 'VARCHAR'})`,
    source(site, days) {
      const { parquet, json } = files(site, days);
      const parts: string[] = [];
      if (parquet.length) parts.push(`SELECT ${names} FROM read_parquet(${list(parquet)})`);
      // The Parquet copies hold each id once already (duckdb-engine.ts); a day's files, read as they are, may not.
      if (json.length) {
        const rows = `SELECT *, row_number() OVER (PARTITION BY id ORDER BY time) AS copy FROM read_json(${list(json)}, format = 'newline_delimited', ignore_errors = true, hive_partitioning = false, columns = {${columns}})`;
        parts.push(`SELECT ${names} FROM (${rows}) AS j WHERE copy = 1`);
      }
      // No file: an empty relation of the same columns.
      if (!parts.length) parts.push(`SELECT ${ARCHIVE_COLUMNS.map(({ name, type }) => `CAST(NULL AS ${duckType(type)}) AS ${name}`).join(', ')} WHERE false`);
      return `(${parts.join(' UNION ALL ')})`;
    },
    regexMatch: (column, pattern) => `regexp_matches(${column}, ${pattern})`,
    prop: (key) => `props[${key}]`,
    timeBucket: (unit) => `strftime(date_trunc('${unit}', epoch_ms(time)), '${FORMAT[unit]}')`,
  };
}

/** DuckDB's types for the archive's columns (for reading NDJSON and writing Parquet). */
export function duckType(type: string): string {
  if (type === 'string') return 'VARCHAR';
  if (type === 'bigint') return 'BIGINT';
  if (type === 'int') return 'INTEGER';
  if (type === 'map<string,string>') return 'MAP(VARCHAR, VARCHAR)';
  throw new Error(`no DuckDB type for ${type}`);
}

/** Athena (Trino) over the Glue table, whose partitions are projected: the site and days are named in the WHERE. */
export function athenaDialect(database: string, table: string): Dialect {
  const [site, day] = ARCHIVE_PARTITION_KEYS;
  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    name: 'athena',
    param: () => '?',
    source(siteId, days, bind) {
      // Bound in the order the placeholders appear.
      const sitePredicate = `${site.name} = ${bind(siteId)}`;
      const first = bind(days[0] ?? '1970-01-01');
      const last = bind(days[days.length - 1] ?? '1970-01-01');
      const names = ARCHIVE_COLUMNS.map((c) => c.name).join(', ');
      const rows = `SELECT ${names}, row_number() OVER (PARTITION BY id ORDER BY time) AS copy FROM ${quoted(database)}.${quoted(table)} WHERE ${sitePredicate} AND ${day.name} BETWEEN ${first} AND ${last}`;
      return `(SELECT ${names} FROM (${rows}) AS t WHERE copy = 1)`;
    },
    regexMatch: (column, pattern) => `regexp_like(${column}, ${pattern})`,
    prop: (key) => `element_at(props, ${key})`,
    timeBucket: (unit) => `date_format(date_trunc('${unit}', from_unixtime(time / 1000)), '${FORMAT[unit]}')`,
  };
}

/**
 * A value as Athena's ExecutionParameters take it: a SQL literal. Strings are quoted with
 * their quotes doubled, so a value is always exactly one literal.
 */
export function athenaLiteral(value: string | number): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : `'${value.replace(/'/g, "''")}'`;
}
