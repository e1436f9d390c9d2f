/**
 * Folds rollup deltas into the rollups: every request writes what it adds as one delta
 * item (ingest.ts); a flush collapses all the deltas of a site since the last flush into
 * one ADD per rollup item. Rollup writes then follow the number of distinct items per
 * flush, not the number of requests: the busier the site, the more requests share each
 * write.
 *
 * A flush, per site:
 *   1. reads the cursor; if a flush is open, waits for its flusher, or runs it when it has
 *      been open longer than any flusher lives (its flusher died): running the rest of a
 *      flush again adds nothing twice (applyIncrements' `fs` guard);
 *   2. otherwise opens flush seq+1 over the deltas after the cursor up to the watermark,
 *      with a conditional write, so that one of two flushers opens it;
 *   3. applies the collapsed increments, then closes the flush.
 * The watermark keeps a flush off deltas that may still be in flight: in this process it
 * knows them (deltas-store.ts); for other processes (other Lambda containers) it waits
 * LIVEINSIGHT_FLUSH_GRACE_MS after a delta's stamp. Locally one process does everything,
 * so the grace is 0 and a read sees every write that finished before it.
 */
import { StorageUnavailableError } from '../errors.js';
import { mapLimit, sleep } from '../lib/concurrency.js';
import { closeFlush, countedUntil, deltaBound, openFlush, queryDeltas, readCursor, START, watermark, type Delta, type FlushCursor } from '../store/deltas-store.js';
import { applyIncrements, listSites, sortKeyOf, type Increment } from '../store/stats-store.js';

/** Deltas one flush takes at most, and their JSON characters; a backlog is worked off in several. */
const DELTAS_PER_FLUSH = 2_000;
const CHARS_PER_FLUSH = 16_000_000;
const MAX_FLUSHES_PER_CALL = 50;
/**
 * An open flush younger than this has a flusher at work: wait for it rather than run it
 * too. Longer than any collector function's timeout (at most 50 s, infra/lib/functions.ts),
 * so that a flush is only taken over once its flusher is surely gone: two flushers of one
 * flush could fold a value differently at the cap's edge (one admits it, one finds the
 * bucket full).
 */
const TAKE_OVER_AFTER_MS = 90_000;
const WAIT_STEP_MS = 50;
/** How long a reader waits for another flusher before reading what is there. */
const WAIT_MS = 3_000;

export function flushGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const grace = Number(env.LIVEINSIGHT_FLUSH_GRACE_MS ?? 0);
  return Number.isFinite(grace) && grace > 0 ? grace : 0;
}

export interface FlushOptions {
  /** Deltas younger than this are left for a later flush (LIVEINSIGHT_FLUSH_GRACE_MS). */
  graceMs?: number;
  /** An open flush older than this is taken over: its flusher is presumed dead. */
  takeOverAfterMs?: number;
  /** Deltas one flush takes at most (a backlog takes several flushes). */
  deltasPerFlush?: number;
}

export interface FlushResult {
  deltas: number;
  items: number;
  /** Every delta stamped up to this time (ms) is in the rollups. */
  countedUntil: number;
}

/** Folds the site's deltas up to the watermark into the rollups. */
export async function flushSite(site: string, options: FlushOptions = {}): Promise<FlushResult> {
  const graceMs = options.graceMs ?? flushGraceMs();
  const takeOverAfterMs = options.takeOverAfterMs ?? TAKE_OVER_AFTER_MS;
  const deltasPerFlush = options.deltasPerFlush ?? DELTAS_PER_FLUSH;
  const result: FlushResult = { deltas: 0, items: 0, countedUntil: 0 };
  let waitedMs = 0;
  for (let round = 0; round < MAX_FLUSHES_PER_CALL; round++) {
    const cursor = await readCursor(site);
    let flush: FlushCursor | undefined;
    let deltas: Delta[] | undefined;
    if (cursor?.open) {
      // Running it too would pay for every write twice: wait for its flusher.
      if (Date.now() - cursor.openedAt < takeOverAfterMs) {
        if (waitedMs >= WAIT_MS) return { ...result, countedUntil: countedUntil(cursor.prev) };
        await sleep(WAIT_STEP_MS);
        waitedMs += WAIT_STEP_MS;
        continue;
      }
      flush = cursor;
    } else {
      const after = cursor?.upto ?? START;
      const bound = deltaBound(watermark(graceMs));
      const read = await queryDeltas(site, after, bound, { limit: deltasPerFlush, maxChars: CHARS_PER_FLUSH });
      if (!read.deltas.length) return { ...result, countedUntil: countedUntil(bound > after ? bound : after) };
      deltas = read.deltas;
      // A backlog: this flush stops at its last delta, the next one goes on.
      flush = await openFlush(site, cursor, read.more ? deltas[deltas.length - 1]!.sk : bound);
      if (!flush) continue; // Another flusher opened one first.
    }
    // The deltas just read are exactly the flush's: none can appear below the watermark.
    const done = await runFlush(site, flush, deltas);
    result.deltas += done.deltas;
    result.items += done.items;
    result.countedUntil = countedUntil(flush.upto);
  }
  return result;
}

async function runFlush(site: string, flush: FlushCursor, read?: Delta[]): Promise<{ deltas: number; items: number }> {
  const deltas = read ?? (await queryDeltas(site, flush.prev, flush.upto)).deltas;
  const increments = collapse(deltas.flatMap((d) => d.increments));
  const unwritten = await applyIncrements(increments, flush.seq);
  if (unwritten) {
    throw new StorageUnavailableError(`Storage is unavailable (${unwritten} rollup updates of ${site} failed); the next flush resumes`);
  }
  await closeFlush(site, flush.seq);
  return { deltas: deltas.length, items: increments.length };
}

/** One increment per rollup item, counters summed. */
export function collapse(increments: readonly Increment[]): Increment[] {
  const byItem = new Map<string, Increment>();
  for (const increment of increments) {
    const key = `${increment.pk}\n${sortKeyOf(increment)}`;
    let into = byItem.get(key);
    if (!into) byItem.set(key, (into = { ...increment, add: {} }));
    for (const [metric, amount] of Object.entries(increment.add)) into.add[metric] = (into.add[metric] ?? 0) + amount;
  }
  return [...byItem.values()];
}

/** Flushes every site that has data (the scheduled flush, and GET /api/sites). */
export async function flushAllSites(options: FlushOptions = {}): Promise<{ sites: number; deltas: number; items: number }> {
  const sites = await listSites();
  const results = await mapLimit(sites, 8, ({ siteId }) => flushSite(siteId, options));
  return {
    sites: sites.length,
    deltas: results.reduce((sum, r) => sum + r.deltas, 0),
    items: results.reduce((sum, r) => sum + r.items, 0),
  };
}

/**
 * For the readers: brings the rollups up to date before they are read, and says up to
 * when they are, or null when the flush failed: a failure is logged, not thrown, because
 * an answer a little behind beats no answer.
 */
export async function flushBeforeRead(site: string): Promise<FlushResult | null> {
  try {
    return await flushSite(site);
  } catch (error) {
    console.error(JSON.stringify({ level: 'warn', msg: 'rollups not flushed before read', site, error: String(error) }));
    return null;
  }
}

/** Deltas of the unflushed tail a reader takes at most (the rest waits for the flush). */
const TAIL_DELTAS = 5_000;

/**
 * Runs `read` (a read of rollup items) and returns with it the increments of the deltas
 * not folded into those items yet (in AWS: the last minute or so, the grace), for a reader
 * that cannot wait for them: GET /api/realtime. Only flushes write rollup items, so when the
 * cursor is the same, and not open, before and after the read, the read saw exactly the
 * deltas up to the cursor and the tail is the rest. Otherwise it tries again, and after
 * three tries leaves the tail out (the newest counts then wait for the flush).
 */
export async function withUnflushed<T>(site: string, read: () => Promise<T>): Promise<{ value: T; unflushed: Increment[] }> {
  let value: T | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await sleep(WAIT_STEP_MS);
    const before = await readCursor(site);
    const [items, tail] = await Promise.all([read(), queryDeltas(site, before?.upto ?? START, deltaBound(Date.now()), { limit: TAIL_DELTAS })]);
    value = items;
    const after = await readCursor(site);
    if (!before?.open && after?.seq === before?.seq) return { value, unflushed: tail.deltas.flatMap((d) => d.increments) };
  }
  return { value: value as T, unflushed: [] };
}

/** flushBeforeRead for every site. */
export async function flushAllBeforeRead(): Promise<void> {
  try {
    await flushAllSites();
  } catch (error) {
    console.error(JSON.stringify({ level: 'warn', msg: 'rollups not flushed before read', error: String(error) }));
  }
}
