import { setTimeout as sleep } from 'node:timers/promises';
import { chunk, generateTraffic, MAX_BATCH_EVENTS, type DemoSession } from './generate.js';
import { sendTraffic } from './send.js';

export interface LiveOptions {
  seed: string;
  sessionsPerDay: number;
  apiUrl: string;
  apiKey: string;
  /** Everything up to this time was sent already (by the backfill). */
  since: number;
  /** How often due events are sent. */
  tickMs?: number;
  onSessionSent?: (session: DemoSession) => void;
  /** After each tick's sending, with the time it sent up to. */
  onTick?: (now: number) => void;
}

export interface LiveResult {
  events: number;
  /** Taken by the collector (put on its events stream; its consumer counts each event id once). */
  accepted: number;
}

/**
 * Keeps the sites busy in real time after the backfill: the same generator, read as a
 * timetable. Every tick sends the events whose time has come since the last tick, so
 * the dashboard's realtime panel shows visitors arriving, browsing and leaving. The
 * event ids are the ones a later backfill would send, so nothing is ever counted twice.
 */
export async function runLive(options: LiveOptions, signal: AbortSignal): Promise<LiveResult> {
  let sentUpTo = options.since;
  const total: LiveResult = { events: 0, accepted: 0 };
  while (!signal.aborted) {
    await sleep(options.tickMs ?? 2_000, undefined, { signal }).catch(() => {});
    if (signal.aborted) break;
    const now = Date.now();
    // Sessions last a few hours at most: the last day holds every one still going on.
    const traffic = generateTraffic({ seed: options.seed, days: 1, sessionsPerDay: options.sessionsPerDay, now });
    const due: DemoSession[] = [];
    for (const session of traffic.sessions) {
      const fresh = session.batches.flat().filter((event) => event.timestamp > sentUpTo);
      if (fresh.length) due.push({ ...session, batches: chunk(fresh, MAX_BATCH_EVENTS) });
    }
    if (due.length) {
      const result = await sendTraffic(due, {
        apiUrl: options.apiUrl,
        apiKey: options.apiKey,
        concurrency: 4,
        onProgress: (p) => options.onSessionSent?.(due[p.sessionsDone - 1]!),
      });
      total.events += result.events;
      total.accepted += result.accepted;
    }
    sentUpTo = now;
    options.onTick?.(now);
  }
  return total;
}
