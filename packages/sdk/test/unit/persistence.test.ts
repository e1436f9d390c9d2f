import { describe, expect, it, vi } from 'vitest';
import { pagehide, setHidden, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();
const KEY = 'liveinsight_queue';
const storedIds = () => (JSON.parse(localStorage.getItem(KEY) ?? '[]') as { event_id: string }[]).map((e) => e.event_id);

/** A page whose collector is down: the first send failed and waits for its retry. */
async function failingPage() {
  const tracker = page.start();
  page.fail({ status: 503 });
  tracker.track('first');
  tracker.flush();
  await settle();
  const failed = page.events().map((e) => e.event_id);
  page.received.length = 0;
  return { tracker, failed };
}

describe('persistence and replay', () => {
  it('keeps what could not be sent in localStorage when the page goes away, and the next load replays it first', async () => {
    const { tracker, failed } = await failingPage();
    tracker.track('second');
    pagehide();
    const kept = storedIds();
    expect(kept.slice(0, 2)).toEqual(failed);
    expect(kept).toHaveLength(3);
    expect(page.beacon).not.toHaveBeenCalled(); // the collector is failing: a beacon would be lost too
    tracker.destroy();

    const next = page.start(); // the next page load, collector back up
    await settle();
    expect(localStorage.getItem(KEY)).toBeNull();
    expect(page.received).toHaveLength(1); // replayed at once, with the new page view
    expect(page.events().map((e) => e.event_id).slice(0, 3)).toEqual(kept);
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'first', 'second', 'page_view']);
    next.destroy();
  });

  it('keeps nothing when the collector is fine: leaving sends by beacon', async () => {
    const tracker = page.start();
    tracker.track('x');
    setHidden(true);
    pagehide();
    await settle();
    expect(localStorage.getItem(KEY)).toBeNull();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'x']);
  });

  it('adds to what another tab kept, up to the newest 200 events', async () => {
    const tracker = page.start({ autoPageviews: false });
    page.fail({ status: 503 });
    tracker.track('a');
    tracker.track('b');
    tracker.flush();
    await settle();
    const mine = page.events().map((e) => e.event_id);
    // Meanwhile another tab of the site left 199 events behind.
    localStorage.setItem(KEY, JSON.stringify(Array.from({ length: 199 }, (_, i) => ({ event_id: `other-${i}` }))));
    pagehide();
    const ids = storedIds();
    expect(ids).toHaveLength(200);
    expect(ids[0]).toBe('other-1'); // the oldest of the 201 dropped
    expect(ids.slice(-2)).toEqual(mine);
  });

  it('ignores a corrupt stored queue', async () => {
    localStorage.setItem(KEY, '{"events": oops');
    const tracker = page.start();
    tracker.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view']);
  });

  it('retries in the page too: a tab that comes back sends what failed', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { failed } = await failingPage();
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(page.events().map((e) => e.event_id)).toEqual(failed);
  });
});
