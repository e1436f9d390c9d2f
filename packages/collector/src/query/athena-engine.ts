/**
 * Athena, in AWS: the archive's Glue table (partition projection) in the workgroup infra
 * creates, whose per-query bytes-scanned limit bounds what one question can cost. Values
 * go as ExecutionParameters, each one SQL literal (dialect.ts athenaLiteral).
 *
 * Not run here (Athena cannot run in this sandbox): its SQL is parsed by a Trino grammar in
 * the tests, and the table's columns are asserted equal to the archive record's.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { StorageUnavailableError } from '../errors.js';
import { ARCHIVE_ENV } from '../functions.js';
import { sleep } from '../lib/concurrency.js';
import { athenaDialect, athenaLiteral } from './dialect.js';
import type { QueryEngine, Row } from './engine.js';
import type { BuiltQuery } from './sql.js';

/** API Gateway answers at 29 s: a query still running at this point is given up. */
const DEADLINE_MS = 25_000;

export function athenaEngineFromEnv(env: NodeJS.ProcessEnv = process.env): QueryEngine {
  const workgroup = env[ARCHIVE_ENV.workgroup];
  const database = env[ARCHIVE_ENV.database];
  const table = env[ARCHIVE_ENV.table];
  if (!workgroup || !database || !table) throw new StorageUnavailableError('The event archive is not configured');
  return athenaEngine(new AthenaClient({}), workgroup, database, table);
}

export function athenaEngine(client: AthenaClient, workgroup: string, database: string, table: string): QueryEngine {
  const dialect = athenaDialect(database, table);
  /** Starts the query and waits for it; its id. */
  const execute = async ({ sql, params }: BuiltQuery): Promise<string> => {
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: workgroup,
        QueryExecutionContext: { Database: database },
        ...(params.length && { ExecutionParameters: params.map(athenaLiteral) }),
      }),
    );
    const id = started.QueryExecutionId!;
    const deadline = Date.now() + DEADLINE_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 1_000)) {
      const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') throw new StorageUnavailableError(`The archive query ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
      if (Date.now() > deadline) {
        // Given up on: stop it, or it scans (and bills) on to the workgroup's cutoff.
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new StorageUnavailableError('The archive query is taking too long; try a shorter date range');
      }
      await sleep(wait);
    }
    return id;
  };
  /** The results a page (up to 1,000 rows) at a time; the first row of the first page is the header. */
  async function* pages(id: string): AsyncIterable<Row[]> {
    let header: string[] | undefined;
    let NextToken: string | undefined;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken }));
      const rows: Row[] = [];
      for (const row of page.ResultSet?.Rows ?? []) {
        const cells = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
        if (!header) header = cells.map(String);
        else rows.push(Object.fromEntries(header.map((name, i) => [name, cells[i] ?? null])));
      }
      if (rows.length) yield rows;
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return {
    name: 'athena',
    dialect,
    async run(query) {
      const rows: Row[] = [];
      for await (const page of pages(await execute(query))) rows.push(...page);
      return rows;
    },
    async *stream(query) {
      yield* pages(await execute(query));
    },
  };
}
