import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mapLimit, sleep } from '../src/lib/concurrency.js';
import { CHROME_UA } from './support/api.js';
import { freePort } from './support/ports.js';

const MAIN = fileURLToPath(new URL('../src/local/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'liveinsight-kill-'));
afterAll(() => (process.env.KILL_TEST_KEEP ? console.log(`kept ${dataDir}`) : rmSync(dataDir, { recursive: true, force: true })));

/** `npm start`'s process, on the test's data dir; resolves once it serves. */
async function startStack(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    // This process may have pointed DYNAMODB_ENDPOINT at a store it has since closed; the child starts its own.
    env: { ...process.env, DYNAMODB_ENDPOINT: '', PORT: String(port), LIVEINSIGHT_DATA_DIR: dataDir, LIVEINSIGHT_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('LiveInsight is running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (process.env.KILL_TEST_LOG) process.stderr.write(chunk);
    });
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before serving:\n${output}`)));
  });
  return child;
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

const SITE = 'kill.test';
const SESSIONS = 100;
const BATCHES_PER_SESSION = 2;
const VIEWS_PER_BATCH = 10;

/** 100 sessions of 20 page views, in batches of 10, each session from its own address. */
function batches(): { ip: string; body: string }[] {
  const start = Date.now() - 30 * 60_000;
  const list: { ip: string; body: string }[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    for (let b = 0; b < BATCHES_PER_SESSION; b++) {
      const events = Array.from({ length: VIEWS_PER_BATCH }, (_, i) => {
        const n = b * VIEWS_PER_BATCH + i;
        return {
          event_type: 'page_view',
          session_id: `kill-session-${s}`,
          event_id: `kill-${s}-${n}`,
          timestamp: start + s * 1_000 + n * 10_000,
          page_url: `https://${SITE}/page-${n % 7}`,
          referrer: '',
          site_id: SITE,
        };
      });
      list.push({ ip: `198.51.100.${s + 1}`, body: JSON.stringify({ events, sent_at: Date.now() }) });
    }
  }
  return list;
}

/** The tracker's contract: a batch is sent again until the collector answers it 200. */
async function sendUntilAcknowledged(port: () => number, batch: { ip: string; body: string }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port()}/api/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', 'User-Agent': CHROME_UA, 'X-Forwarded-For': batch.ip },
        body: batch.body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // The stack is down (killed, restarting): try again.
    }
    await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)));
  }
}

describe('kill -9 of the local stack mid-ingest', () => {
  it('counts every event exactly once after two SIGKILLs, restarts on the same data dir, and a resend of everything', async () => {
    const port = await freePort();
    let stack = await startStack(port);
    const list = batches();
    let acknowledged = 0;
    const kills: number[] = [];
    // Two kills while the client sends: after a quarter and after 60 % of the batches.
    const killer = (async () => {
      for (const share of [0.25, 0.6]) {
        while (acknowledged < list.length * share) await sleep(5);
        await killed(stack);
        kills.push(acknowledged);
        stack = await startStack(port);
      }
    })();
    try {
      await mapLimit(list, 8, async (batch) => {
        await sendUntilAcknowledged(() => port, batch);
        acknowledged++;
      });
      await killer;
      // Every batch once more, as a client that never saw its answers would.
      await mapLimit(list, 8, (batch) => sendUntilAcknowledged(() => port, batch));

      expect(kills).toHaveLength(2);
      // The events span the last half hour, which may cross midnight UTC: read both days.
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      const response = await fetch(`http://127.0.0.1:${port}/api/stats?site_id=${SITE}&from=${day(Date.now() - 40 * 60_000)}&to=${day(Date.now())}`);
      const { data } = (await response.json()) as { data: { totals: Record<string, number>; breakdowns: { pages: { value: string; pageviews: number }[] } } };
      // Ground truth from what was sent: 2,000 page views, 100 sessions (from 100 addresses).
      expect(data.totals).toMatchObject({ pageviews: SESSIONS * BATCHES_PER_SESSION * VIEWS_PER_BATCH, sessions: SESSIONS, bounce_rate: 0 });
      const perPage = new Map<string, number>();
      for (let n = 0; n < BATCHES_PER_SESSION * VIEWS_PER_BATCH; n++) perPage.set(`/page-${n % 7}`, (perPage.get(`/page-${n % 7}`) ?? 0) + SESSIONS);
      expect(Object.fromEntries(data.breakdowns.pages.map((row) => [row.value, row.pageviews]))).toEqual(Object.fromEntries(perPage));

      // The archive misses no acknowledged event (copies are allowed: a batch delivered
      // again after a kill is archived again), and a query through it counts each once.
      const archived = new Set<string>();
      const root = join(dataDir, 'archive', `site=${SITE}`);
      for (const dayDir of readdirSync(root)) {
        for (const file of readdirSync(join(root, dayDir))) {
          for (const line of readFileSync(join(root, dayDir, file), 'utf8').split('\n')) {
            try {
              archived.add((JSON.parse(line) as { id: string }).id);
            } catch {
              // A line torn by the kill; its event is in a later copy.
            }
          }
        }
      }
      const sent = list.flatMap((batch) => (JSON.parse(batch.body) as { events: { event_id: string }[] }).events.map((e) => e.event_id));
      expect(sent.filter((id) => !archived.has(id))).toEqual([]);
      const query = await fetch(`http://127.0.0.1:${port}/api/v2/query`, {
        method: 'POST',
        body: JSON.stringify({ site_id: SITE, date_range: [day(Date.now() - 40 * 60_000), day(Date.now())], metrics: ['pageviews', 'visits'], filters: [['contains', 'event:page', ['/page-']]] }),
      });
      const answer = (await query.json()) as { results: { metrics: number[] }[]; meta: { engine: string } };
      expect(answer.meta.engine).toBe('archive');
      expect(answer.results[0]!.metrics).toEqual([SESSIONS * BATCHES_PER_SESSION * VIEWS_PER_BATCH, SESSIONS]);
    } finally {
      await killed(stack);
    }
  }, 300_000);
});
