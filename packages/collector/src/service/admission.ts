/**
 * Which values of a day get a row of their own. Each capped family (store/keys.ts
 * DEFAULT_CAPS) has a fixed number of slots per day bucket; a value without one is counted
 * in `(other)`.
 *
 * - The first half of the slots go to the values that come first, so a site with fewer
 *   distinct values than that sees every one of them, exactly.
 * - The second half goes by weight of traffic. A value waiting for a slot keeps the set of
 *   distinct clients that sent it that day (a salted daily hash of the address, taken at
 *   ingest), and it may take a slot only while fewer than `slotsOpenTo(clients)` are
 *   taken: each doubling of its clients opens another eighth of that half. One client is
 *   one unit of weight whatever it sends, so junk from one machine can fill only the first
 *   half, and a page that visitors from many places view still finds a slot.
 * - Backfills (a key holder's own history) take slots first come, up to the cap.
 *
 * A value admitted late keeps what it counted before in `(other)`: its row records when it
 * was admitted (keys.ts LATE_ATTRIBUTE) and the stats' meta lists it.
 *
 * The choice is made once per batch, before the sessions commit, and kept in each
 * session's outbox with its increments (service/aggregate.ts). A rerun replays it rather
 * than choosing again, so the choice may depend on weights and races and every event is
 * still counted once, in one place.
 */
import { settleLimit } from '../lib/concurrency.js';
import { addWeight, admittedKeys, claimSlot, itemExists, slotsTaken } from '../store/admission-store.js';
import { onStoreReset } from '../store/client.js';
import { toStorageError } from '../store/failures.js';
import { DEFAULT_CAPS, fitsSortKey, isDayPk, otherKey, otherParts, pendingPk, splitBucketPk, type Caps, type Family } from '../store/keys.js';
import { itemKey, mergeByItem, sortKeyOf, type Increment } from '../store/increments.js';
import { visitorDayTtl } from './visitors.js';

/** Doublings of a value's clients that open the whole second half of the slots. */
const WEIGHT_STEPS = 8;

export const openSlots = (cap: number): number => Math.ceil(cap / 2);

/** How many slots may be taken for a value sent by this many distinct clients to still get one. */
export function slotsOpenTo(clients: number, cap: number): number {
  const open = openSlots(cap);
  const steps = Math.min(WEIGHT_STEPS, Math.floor(Math.log2(Math.max(1, clients))));
  return Math.min(cap, open + Math.ceil(((cap - open) * steps) / WEIGHT_STEPS));
}

/** Who sent a session's increments: what they weigh. */
export interface Sender {
  /** Hashes of the clients its events came from; never empty. */
  clients: readonly string[];
  /** A backfill: takes slots first come. */
  trusted: boolean;
}

export interface Contribution {
  increments: readonly Increment[];
  sender: Sender;
}

const CONCURRENCY = 16;

/**
 * The contributions' increments, each sent to its value's row or to `(other)` (parts
 * folded), with `late` set where a value is admitted after earlier counts went to
 * `(other)`. `at` is the batch's time (its latest receipt), recorded as the admission time.
 */
export async function route(contributions: readonly Contribution[], at: number, caps: Caps = DEFAULT_CAPS): Promise<Increment[][]> {
  const items = new Map<string, { inc: Increment; clients: Set<string>; trusted: boolean }>();
  for (const { increments, sender } of contributions) {
    for (const inc of increments) {
      if (caps[inc.family] === undefined) continue;
      const key = itemKey(inc);
      let item = items.get(key);
      if (!item) items.set(key, (item = { inc, clients: new Set(), trusted: false }));
      item.trusted ||= sender.trusted;
      for (const client of sender.clients) item.clients.add(client);
    }
  }
  const keys = [...items.keys()];
  const outcomes = await settleLimit(keys, CONCURRENCY, (key) => {
    const item = items.get(key)!;
    return decide(item.inc, item, caps[item.inc.family]!, at);
  });
  const decided = new Map<string, Decision>();
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected') throw toStorageError(outcome.reason, 'value admission');
    decided.set(keys[i]!, outcome.value);
  });
  return contributions.map(({ increments }) =>
    mergeByItem(
      increments.map((inc) => {
        const decision = decided.get(itemKey(inc));
        if (!decision && fitsSortKey(sortKeyOf(inc))) return inc;
        if (decision === 'own') return inc;
        if (typeof decision === 'number') return { ...inc, late: decision };
        return { ...inc, parts: otherParts(inc.family, inc.parts) };
      }),
    ),
  );
}

/** The value's own row, its row admitted late (the time), or `(other)`. */
type Decision = 'own' | 'other' | number;

async function decide(inc: Increment, sender: { clients: Set<string>; trusted: boolean }, cap: number, at: number): Promise<Decision> {
  const sk = sortKeyOf(inc);
  if (!fitsSortKey(sk)) return 'other';
  if (sk === otherKey(inc.family, inc.parts) || known.has(itemKey(inc))) return 'own';
  const bucket = bucketKey(inc.pk, inc.family);
  const admitted = await admittedIfFull(bucket);
  if (admitted) return admitted.has(sk) ? 'own' : 'other';
  const key = itemKey(inc);
  const weighed = waiting.get(key);
  // A value this process saw waiting has no row unless another process admitted it since
  // (then it counts in (other) here, once); clients it already added weigh nothing more.
  const fresh = weighed ? [...sender.clients].filter((c) => !weighed.has(c)) : [...sender.clients];
  if (weighed && !sender.trusted && !fresh.length) return 'other';
  if (!weighed && (await itemExists(inc.pk, sk))) return remember(inc);
  const open = openSlots(cap);
  let below = cap;
  let late: number | undefined;
  if (!sender.trusted) {
    if (!pastOpen.has(bucket)) {
      if (await claimSlot(inc.pk, inc.family, open)) return remember(inc);
      bounded(pastOpen, bucket);
    }
    // Only day buckets hold capped values; anything else keeps the first half's rule.
    if (!isDayPk(inc.pk)) return 'other';
    // Kept as long as the day's salt, which the client hashes are made with.
    const weight = await addWeight(pendingPk(inc.pk), sk, fresh, visitorDayTtl(splitBucketPk(inc.pk).bucket.slice(2), at));
    below = slotsOpenTo(weight.clients, cap);
    if (below <= open) {
      wait(key, fresh);
      return 'other';
    }
    if (weight.earlier) late = at;
  }
  if (await claimSlot(inc.pk, inc.family, below)) {
    remember(inc);
    return late ?? 'own';
  }
  if (!sender.trusted) wait(key, fresh);
  if (below >= cap || (await slotsTaken(inc.pk, inc.family)) >= cap) markFull(bucket, inc.pk, inc.family);
  return 'other';
}

// ---------------------------------------------------------------- what this process knows

/** Rows known to exist: they skip the checks. Bounded, oldest forgotten first. */
const known = new Set<string>();
/** Buckets whose first half is taken: new values go straight to their weight. */
const pastOpen = new Set<string>();
/** Values waiting for a slot, with the clients this process added to their weight. Bounded. */
const waiting = new Map<string, Set<string>>();
/**
 * Buckets found full, with the sort keys admitted to them. A full bucket admits nothing
 * more, so that set is final: a value not in it goes to `(other)` with no further reads.
 */
const full = new Map<string, Promise<Set<string>>>();
const KNOWN_LIMIT = 50_000;
const BUCKETS_LIMIT = 200;
onStoreReset(() => {
  known.clear();
  pastOpen.clear();
  waiting.clear();
  full.clear();
});

const bucketKey = (pk: string, family: Family) => `${pk}\n${family}`;

/** Forgets the oldest entry of a full cache (Sets and Maps iterate in insertion order). */
function makeRoom(cache: Set<string> | Map<string, unknown>, limit: number): void {
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
}

function bounded(set: Set<string>, key: string, limit = BUCKETS_LIMIT): void {
  makeRoom(set, limit);
  set.add(key);
}

function remember(inc: Increment): 'own' {
  waiting.delete(itemKey(inc));
  bounded(known, itemKey(inc), KNOWN_LIMIT);
  return 'own';
}

function wait(key: string, clients: readonly string[]): void {
  let set = waiting.get(key);
  if (!set) {
    makeRoom(waiting, KNOWN_LIMIT);
    waiting.set(key, (set = new Set()));
  }
  for (const client of clients) set.add(client);
}

function markFull(bucket: string, pk: string, family: Family): void {
  if (full.has(bucket)) return;
  makeRoom(full, BUCKETS_LIMIT);
  const admitted = admittedKeys(pk, family);
  // A failed read only costs the shortcut: the bucket is looked up again next time.
  admitted.catch(() => full.delete(bucket));
  full.set(bucket, admitted);
}

async function admittedIfFull(bucket: string): Promise<Set<string> | undefined> {
  try {
    return await full.get(bucket);
  } catch {
    return undefined;
  }
}
