import sqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { handler as archiveTransform } from '../../src/handlers/archive.js';
import { ARCHIVE_COLUMNS } from '../../src/archive/record.js';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { athenaEngine } from '../../src/query/athena-engine.js';
import { athenaDialect, athenaLiteral, duckdbDialect } from '../../src/query/dialect.js';
import { parseQuery } from '../../src/query/request.js';
import { buildEventsQuery, buildQuery } from '../../src/query/sql.js';
import { encodeRecord, RECORD_VERSION, type StreamEvent } from '../../src/stream/record.js';

const { Parser } = sqlParser as unknown as { Parser: new () => { astify(sql: string, options: { database: string }): unknown } };

/** Every query shape the API builds: no dimension, one of each kind, several, every operator, nesting. */
const SHAPES: Record<string, unknown>[] = [
  { metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events'] },
  { metrics: ['visitors', 'percentage'], dimensions: ['event:page'] },
  { metrics: ['visitors'], dimensions: ['visit:source', 'visit:country', 'event:props:plan'], order_by: [['visitors', 'asc']] },
  { metrics: ['pageviews'], dimensions: ['time:hour'], pagination: { limit: 50, offset: 100 } },
  { metrics: ['visitors'], dimensions: ['time:week', 'visit:entry_page', 'visit:exit_page'] },
  {
    metrics: ['visitors', 'bounce_rate'],
    dimensions: ['time:month'],
    filters: [
      ['is', 'event:page', ['/a', '/b']],
      ['is_not', 'visit:browser', ['Chrome']],
      ['contains', 'event:props:plan', ['pro-plan']],
      ['contains_not', 'visit:referrer', ['spam']],
      ['or', [['matches', 'event:hostname', ['^www\\.']], ['not', ['matches_not', 'visit:utm_source', ['x']]]]],
    ],
  },
];

const plans = SHAPES.map((shape) => parseQuery({ site_id: 'a.example', date_range: '28d', ...shape }, Date.parse('2026-12-04T12:00:00Z')));

describe('the SQL builder', () => {
  it('writes Trino SQL for Athena that a Trino grammar parses, for every query shape', () => {
    const parser = new Parser();
    for (const plan of plans) {
      const { sql } = buildQuery(plan, athenaDialect('liveinsight', 'events'));
      expect(() => parser.astify(sql, { database: 'trino' }), sql).not.toThrow();
    }
    const exported = buildEventsQuery('a.example', plans[0]!.from, plans[0]!.to, athenaDialect('liveinsight', 'events'));
    expect(() => parser.astify(exported.sql, { database: 'trino' }), exported.sql).not.toThrow();
    expect((exported.sql.match(/\?/g) ?? []).length).toBe(exported.params.length);
  });

  it('binds one value per placeholder, in order, for both engines', () => {
    for (const plan of plans) {
      for (const dialect of [athenaDialect('db', 't'), duckdbDialect(() => ({ parquet: [], json: ['/data/archive/site=a.example/day=2026-12-01/part.ndjson'] }))]) {
        const { sql, params } = buildQuery(plan, dialect);
        expect((sql.match(/\?/g) ?? []).length).toBe(params.length);
        // Values are bound, never written into the text (the local file path aside).
        const text = sql.replace(/'[^']*part\.ndjson'/g, '');
        expect(text).not.toContain('a.example');
        for (const value of params) if (typeof value === 'string' && value.length > 2) expect(text).not.toContain(value);
      }
    }
  });

  it('names the site partition and the day range in every Athena query (projection needs the site)', () => {
    const { sql, params } = buildQuery(plans[0]!, athenaDialect('db', 't'));
    expect(sql).toMatch(/p_site = \? AND p_day BETWEEN \? AND \?/);
    expect(params.slice(0, 3)).toEqual(['a.example', '2026-11-07', '2026-12-04']);
  });

  it('passes values to Athena as single literals, quotes doubled', () => {
    expect(athenaLiteral("it's")).toBe("'it''s'");
    expect(athenaLiteral("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
    expect(athenaLiteral(1_764_806_400_000)).toBe('1764806400000');
  });
});

describe('Firehose’s record transformation (handlers/archive.ts)', () => {
  const event: StreamEvent = {
    v: RECORD_VERSION,
    site: 'a.example',
    session: 's-1',
    id: 'e-1',
    type: 'signup',
    time: Date.parse('2026-12-04T10:00:00Z'),
    received: Date.parse('2026-12-04T10:00:01Z'),
    url: 'https://a.example/pricing?utm_source=news',
    ref: 'https://www.google.com/search?q=x',
    props: { plan: 'pro', seats: 3 },
    br: 'Chrome',
    os: 'Windows',
    dev: 'desktop',
    cc: 'SE',
    vh: 'abc',
    ch: 'def',
  };
  const firehose = (data: string) => ({ invocationId: 'i', deliveryStreamArn: 'arn', region: 'eu-west-1', records: [{ recordId: '1', approximateArrivalTimestamp: 0, data: Buffer.from(data).toString('base64') }] });

  it('turns a stream line into an archive record: the columns, and nothing more', async () => {
    const { records } = await archiveTransform(firehose(encodeRecord('k', [event]).data));
    expect(records[0]!.result).toBe('Ok');
    const record = JSON.parse(Buffer.from(records[0]!.data!, 'base64').toString('utf8'));
    expect(Object.keys(record)).toEqual(ARCHIVE_COLUMNS.map((c) => c.name));
    expect(record).toMatchObject({ site: 'a.example', session_id: 's-1', path: '/pricing', hostname: 'a.example', referrer: 'google.com', utm_source: 'news', kind: 'custom', name: 'signup', props: { plan: 'pro', seats: '3' } });
    expect(JSON.stringify(record)).not.toMatch(/def|search\?q|received/);
  });

  it('marks a line of an unknown version ProcessingFailed, so Firehose keeps it under the error prefix', async () => {
    const { records } = await archiveTransform(firehose(JSON.stringify({ ...event, v: 99 })));
    expect(records[0]!.result).toBe('ProcessingFailed');
  });
});

describe('the Athena engine (a stand-in client: Athena cannot run here)', () => {
  it('starts the query in the workgroup with each value as one literal, waits for it, and reads every page of rows', async () => {
    const sent: { name: string; input: Record<string, any> }[] = [];
    let polls = 0;
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        switch (command.constructor.name) {
          case 'StartQueryExecutionCommand':
            return { QueryExecutionId: 'q-1' };
          case 'GetQueryExecutionCommand':
            return { QueryExecution: { Status: { State: ++polls < 2 ? 'RUNNING' : 'SUCCEEDED' } } };
          case 'GetQueryResultsCommand':
            return command.input.NextToken
              ? { ResultSet: { Rows: [{ Data: [{ VarCharValue: '/b' }, { VarCharValue: '2' }] }] } }
              : { ResultSet: { Rows: [{ Data: [{ VarCharValue: 'd0' }, { VarCharValue: 'visitors' }] }, { Data: [{ VarCharValue: '/a' }, { VarCharValue: '5' }] }] }, NextToken: 'next' };
          default:
            throw new Error(`unexpected ${command.constructor.name}`);
        }
      },
    };
    const engine = athenaEngine(client as unknown as AthenaClient, 'liveinsight-dev', 'liveinsight_dev', 'events');
    const plan = parseQuery({ site_id: "a.example", date_range: 'day', metrics: ['visitors'], dimensions: ['event:page'], filters: [['is', 'event:page', ["/it's"]]] }, Date.now());
    const rows = await engine.run(buildQuery(plan, engine.dialect));
    expect(rows).toEqual([{ d0: '/a', visitors: '5' }, { d0: '/b', visitors: '2' }]);
    const start = sent.find((s) => s.name === 'StartQueryExecutionCommand')!.input;
    expect(start).toMatchObject({ WorkGroup: 'liveinsight-dev', QueryExecutionContext: { Database: 'liveinsight_dev' } });
    expect(start.ExecutionParameters).toContain("'/it''s'");
    expect(start.ExecutionParameters[0]).toBe("'a.example'");
    expect((start.QueryString as string).match(/\?/g)).toHaveLength(start.ExecutionParameters.length);
  });
});

describe('the named date ranges of POST /api/v2/query', () => {
  it('resolves each as Plausible does, at a fixed now (2026-12-04 12:00 UTC)', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const days = (date_range: string) => {
      const { from, to } = parseQuery({ site_id: 'a.example', date_range, metrics: ['visitors'] }, now);
      return [new Date(from).toISOString(), new Date(to).toISOString()];
    };
    const day = (d: string) => `${d}T00:00:00.000Z`;
    expect(days('day')).toEqual([day('2026-12-04'), day('2026-12-05')]);
    expect(days('7d')).toEqual([day('2026-11-28'), day('2026-12-05')]);
    expect(days('28d')).toEqual([day('2026-11-07'), day('2026-12-05')]);
    expect(days('30d')).toEqual([day('2026-11-05'), day('2026-12-05')]);
    expect(days('91d')).toEqual([day('2026-09-05'), day('2026-12-05')]);
    expect(days('month')).toEqual([day('2026-12-01'), day('2026-12-05')]);
    expect(days('6mo')).toEqual([day('2026-07-01'), day('2026-12-05')]);
    expect(days('12mo')).toEqual([day('2026-01-01'), day('2026-12-05')]);
    expect(days('year')).toEqual([day('2026-01-01'), day('2026-12-05')]);
    expect(days('24h')).toEqual(['2026-12-03T12:00:00.000Z', '2026-12-04T12:00:00.001Z']);
  });
});
