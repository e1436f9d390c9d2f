import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT } from '../support/collector.js';
import { pagehide, setHidden, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

describe('batching', () => {
  it('sends the queue 5 seconds after its first event, as one text/plain batch with sent_at', async () => {
    const tracker = page.start();
    tracker.track('signup', { plan: 'pro' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(page.received).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(page.received).toHaveLength(1);
    const [request] = page.received;
    expect(request!.via).toBe('fetch');
    expect(request!.contentType).toMatch(/^text\/plain/);
    expect(request!.body.sent_at).toBe(Date.now());
    expect(request!.body.events.map((e) => e.event_type)).toEqual(['page_view', 'signup']);
  });

  it('sends at once when the queue reaches 20 events', async () => {
    const tracker = page.start();
    for (let i = 0; i < 18; i++) tracker.track('tick', { i });
    await settle();
    expect(page.received).toHaveLength(0);
    tracker.track('tick', { i: 18 }); // with the page view: the 20th event
    await settle();
    expect(page.received).toHaveLength(1);
    expect(page.received[0]!.body.events).toHaveLength(20);
  });

  it('sends at once when the queue passes ~60 KB, before 20 events or 5 seconds', async () => {
    const tracker = page.start();
    const big = { a: 'x'.repeat(500), b: 'y'.repeat(500), c: 'z'.repeat(500), d: '€'.repeat(500), e: '€'.repeat(500) };
    let tracked = 0;
    while (page.received.length == 0 && tracked < 19) {
      tracker.track('big', big);
      tracked++;
      await settle();
    }
    // ~4.8 KB of UTF-8 each (1,000 of the chars are 3 bytes): bytes, not the count, set it off.
    expect(tracked).toBeLessThan(19);
    // The event that crossed 60,000 bytes waits for the next batch.
    expect(page.received[0]!.body.events).toHaveLength(tracked);
    expect(new Blob([JSON.stringify(page.received[0]!.body)]).size).toBeLessThanOrEqual(60_100);
  });

  it('keeps one request in flight at a time and sends what queued meanwhile after it', async () => {
    const tracker = page.start();
    tracker.flush();
    tracker.track('during', {});
    tracker.flush();
    await settle();
    expect(page.received.map((r) => r.body.events.map((e) => e.event_type))).toEqual([['page_view'], ['during']]);
  });

  it('gives every event its own id and the session one id', async () => {
    const tracker = page.start();
    tracker.track('a');
    tracker.track('b');
    tracker.flush();
    await settle();
    const events = page.events();
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
    expect(events[0]!.session_id).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
  });
});

describe('retries', () => {
  it('retries a 503 with exponential backoff and jitter, then sends the same events', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const tracker = page.start();
    page.fail({ status: 503 }, { status: 503 }, 'network-error');
    tracker.flush();
    await settle();
    const first = page.events()[0]!;
    // Full jitter at 0.5: half of 1 s, 2 s, 4 s.
    for (const wait of [500, 1_000, 2_000]) {
      const before = page.received.length;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(page.received).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(page.received).toHaveLength(before + 1);
    }
    expect(page.received.map((r) => r.body.events[0]!.event_id)).toEqual(Array(4).fill(first.event_id));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(page.received).toHaveLength(4); // delivered: no more retries
  });

  it('spreads retries of pages that failed together (jitter)', async () => {
    const delays: number[] = [];
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    for (let run = 0; run < 2; run++) {
      const tracker = page.start();
      page.fail({ status: 503 });
      tracker.flush();
      await settle();
      const retryCall = timeout.mock.calls.at(-1)!;
      delays.push(retryCall[1] as number);
      tracker.destroy();
    }
    expect(delays[0]).not.toBe(delays[1]);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(0), expect(delay).toBeLessThan(1_000);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    const tracker = page.start();
    page.fail({ status: 429, headers: { 'Retry-After': '7' } });
    tracker.flush();
    await settle();
    await vi.advanceTimersByTimeAsync(6_999);
    expect(page.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(page.received).toHaveLength(2);
  });

  it('does not retry a batch the collector refused as bad (400)', async () => {
    const tracker = page.start();
    page.fail({ status: 400 });
    tracker.flush();
    await settle();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(page.received).toHaveLength(1);
    tracker.track('next');
    tracker.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'next']);
  });

  it('sends nothing else while a batch waits for its retry, then everything in order', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const tracker = page.start();
    page.fail({ status: 503 });
    tracker.flush();
    await settle();
    for (let i = 0; i < 25; i++) tracker.track('queued', { i });
    await vi.advanceTimersByTimeAsync(900);
    expect(page.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    const types = page.received.slice(1).flatMap((r) => r.body.events.map((e) => e.props?.i ?? e.event_type));
    expect(types).toEqual(['page_view', ...Array.from({ length: 25 }, (_, i) => i)]);
  });
});

describe('leaving the page', () => {
  it('sends the queue by sendBeacon when the page is hidden', async () => {
    const tracker = page.start();
    tracker.track('clicked');
    setHidden(true);
    await settle();
    expect(page.beacon).toHaveBeenCalledTimes(1);
    expect(page.beacon.mock.calls[0]![0]).toBe(ENDPOINT);
    expect(page.received.map((r) => r.via)).toEqual(['beacon']);
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'clicked']);
  });

  it('splits what is left into beacons of at most 50 events and 60 KB', async () => {
    const tracker = page.start();
    page.fail({ status: 200 }); // keeps the first batch in flight until settled
    for (let i = 0; i < 19; i++) tracker.track('tick', { i }); // 20 with the page view: sent by fetch
    for (let i = 0; i < 110; i++) tracker.track('tock', { i, pad: 'p'.repeat(400) });
    pagehide();
    await settle();
    const beacons = page.beacon.mock.calls.map((call) => JSON.parse(call[1] as string).events.length as number);
    expect(beacons.reduce((a, b) => a + b, 0)).toBe(110);
    for (const body of page.beacon.mock.calls.map((call) => call[1] as string)) {
      expect(new Blob([body]).size).toBeLessThanOrEqual(60_100);
      expect(JSON.parse(body).events.length).toBeLessThanOrEqual(50);
    }
    expect(beacons.length).toBeGreaterThan(2);
  });

  it('falls back to fetch keepalive when sendBeacon refuses or is missing', async () => {
    const tracker = page.start();
    page.beaconAccepts(false);
    tracker.track('refused');
    setHidden(true);
    await settle();
    page.beaconAccepts('missing');
    setHidden(false);
    tracker.track('no-beacon');
    pagehide();
    await settle();
    expect(page.received.map((r) => r.via)).toEqual(['fetch', 'fetch']);
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'refused', 'no-beacon']);
  });

  it('without sendBeacon, sends every chunk of what is left by fetch, none empty', async () => {
    const tracker = page.start();
    page.beaconAccepts('missing');
    page.fail({ status: 200 }); // keeps the first batch in flight until settled
    for (let i = 0; i < 80; i++) tracker.track('tick', { i }); // 20 go by fetch, 61 stay queued
    pagehide();
    await settle();
    const sizes = page.received.map((r) => r.body.events.length);
    expect(page.received.every((r) => r.via == 'fetch')).toBe(true);
    expect(sizes).toEqual([20, 50, 11]);
    expect(page.events().map((e) => e.props?.i ?? e.event_type)).toEqual(['page_view', ...Array.from({ length: 80 }, (_, i) => i)]);
  });
});
