/**
 * `npm run demo`: a realistic week of traffic for three made-up sites, sent through the
 * collector's real HTTP API as an authenticated backfill, so the dashboard has
 * something to show right after `npm start`. Same arguments, same events: running it
 * twice counts nothing twice.
 */
import { parseArgs } from 'node:util';
import { generateTraffic, summarize } from './generate.js';
import { runLive } from './live.js';
import { checkStack, DemoSetupError } from './preflight.js';
import { SITES } from './sites.js';
import { DemoConnectionError, DemoRequestError, sendTraffic, type SendProgress } from './send.js';

const HELP = `Usage: npm run demo [-- options]

Sends generated traffic to a running LiveInsight stack (start it first with the same key):
  LIVEINSIGHT_API_KEY=dev-key npm start
  LIVEINSIGHT_API_KEY=dev-key npm run demo

Options:
  --days N          days of history ending now (default 7)
  --sessions N      sessions on an average weekday, all sites together (default 400)
  --seed TEXT       another seed gives other traffic (default "liveinsight")
  --concurrency N   sessions sent in parallel (default 8)
  --now TIME        pretend the run happens at TIME (ISO date or epoch ms, not in the future)
  --live            after the history, keep sending visits as they happen, until Ctrl+C
  --dry-run         print what would be sent, send nothing
  --help

Environment:
  LIVEINSIGHT_API_KEY   the key the stack was started with (required)
  LIVEINSIGHT_API_URL   the stack's base URL (default http://127.0.0.1:$PORT)
  PORT                  the local stack's port (default 3000)`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      days: { type: 'string', default: '7' },
      sessions: { type: 'string', default: '400' },
      seed: { type: 'string', default: 'liveinsight' },
      concurrency: { type: 'string', default: '8' },
      now: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      live: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new DemoSetupError(`--${name} must be an integer from 1 to ${max}`);
    return n;
  };
  const realNow = Date.now();
  const now = values.now === undefined ? realNow : /^\d+$/.test(values.now) ? Number(values.now) : Date.parse(values.now);
  if (!Number.isFinite(now) || now > realNow) throw new DemoSetupError('--now must be a date that is not in the future');
  if (values.live && values.now !== undefined) throw new DemoSetupError('--live plays traffic in real time: leave out --now');
  return {
    live: values.live,
    help: values.help,
    dryRun: values['dry-run'],
    days: positive('days', values.days, 400),
    sessionsPerDay: positive('sessions', values.sessions, 100_000),
    concurrency: positive('concurrency', values.concurrency, 64),
    seed: values.seed,
    now,
    apiUrl: (process.env.LIVEINSIGHT_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, ''),
    apiKey: process.env.LIVEINSIGHT_API_KEY || undefined,
  };
}

const number = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–');

function progressPrinter(startedAt: number): (p: SendProgress) => void {
  const tty = process.stdout.isTTY;
  let lastDecile = -1;
  return (p) => {
    const fraction = p.sessionsDone / p.sessionsTotal;
    const line =
      `${(fraction * 100).toFixed(0).padStart(3)}%  ${number(p.sessionsDone)}/${number(p.sessionsTotal)} sessions` +
      `  ${number(p.events)} events  ${number(p.accepted)} taken` +
      `  ${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
    if (tty) {
      const width = 24;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
      process.stdout.write(`\r  [${bar}] ${line}`);
      if (p.sessionsDone === p.sessionsTotal) process.stdout.write('\n');
    } else if (Math.floor(fraction * 10) > lastDecile) {
      lastDecile = Math.floor(fraction * 10);
      console.log(`  ${line}`);
    }
  };
}

async function playLive(options: ReturnType<typeof parseOptions>, since: number): Promise<void> {
  console.log('\nLive: sending visits as they happen (Ctrl+C to stop)…');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const { events } = await runLive(
    {
      seed: options.seed,
      sessionsPerDay: options.sessionsPerDay,
      apiUrl: options.apiUrl,
      apiKey: options.apiKey!,
      since,
      onSessionSent: (session) => {
        for (const event of session.batches.flat()) {
          if (event.event_type === 'engagement') continue;
          const time = new Date(event.timestamp).toISOString().slice(11, 19);
          const what = event.event_type === 'page_view' ? new URL(event.page_url).pathname : `${event.event_type} ${JSON.stringify(event.props ?? {})}`;
          console.log(`  ${time}  ${session.siteId.padEnd(13)} ${(session.visitor.country?.code ?? '--').padEnd(3)} ${what}`);
        }
      },
    },
    stop.signal,
  );
  console.log(`\nStopped: ${number(events)} live events sent.`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.help) {
    console.log(HELP);
    return;
  }
  const traffic = generateTraffic(options);
  const summaries = summarize(traffic);
  const from = new Date(traffic.from).toISOString().slice(0, 16).replace('T', ' ');
  const to = new Date(traffic.to).toISOString().slice(0, 16).replace('T', ' ');
  console.log(`LiveInsight demo: ${options.days} day${options.days > 1 ? 's' : ''} of traffic, ${from} to ${to} UTC (seed "${options.seed}")\n`);
  console.log('  site              sessions  visitors  pageviews  events  bounce rate  requests');
  for (const s of summaries.values()) {
    console.log(
      `  ${s.siteId.padEnd(16)}  ${number(s.sessions).padStart(8)}  ${number(s.visitors).padStart(8)}  ${number(s.pageviews).padStart(9)}` +
        `  ${number(s.events).padStart(6)}  ${percent(s.bounces, s.sessions).padStart(11)}  ${number(s.requests).padStart(8)}`,
    );
  }
  console.log('');
  if (options.dryRun) {
    console.log('Dry run: nothing sent.');
    return;
  }

  await checkStack(options.apiUrl, options.apiKey);
  console.log(`Sending to ${options.apiUrl}/api/events as a backfill (X-API-Key)…`);
  const startedAt = Date.now();
  const result = await sendTraffic(traffic.sessions, {
    apiUrl: options.apiUrl,
    apiKey: options.apiKey!,
    concurrency: options.concurrency,
    onProgress: progressPrinter(startedAt),
  });
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `\nDone in ${seconds.toFixed(1)} s: ${number(result.requests)} requests, ${number(result.events)} events` +
      ` (${number(Math.round(result.events / Math.max(seconds, 0.001)))}/s).`,
  );
  console.log(`  ${number(result.accepted)} taken, ${number(result.rejected)} rejected. The collector counts each event id once: a second run adds nothing.`);
  for (const [reason, count] of result.rejectReasons) console.log(`    rejected ×${number(count)}: ${reason}`);
  if (result.retries) console.log(`  ${number(result.retries)} retries (the collector asked to slow down or a connection dropped).`);
  const firstSite = SITES[0]!.id;
  console.log(`\nOpen the dashboard: ${options.apiUrl}/#site=${firstSite}`);
  console.log('(it asks for the key the stack was started with; the site picker has the other sites)');
  if (options.live) await playLive(options, traffic.to);
}

main().catch((error: unknown) => {
  if (error instanceof DemoSetupError || error instanceof DemoRequestError || error instanceof DemoConnectionError) {
    console.error(`\n${error.message}`);
    if (error instanceof DemoRequestError && error.status === 401) {
      console.error('\nThe collector refused the key. Start the stack and the demo with the same LIVEINSIGHT_API_KEY.');
    }
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
