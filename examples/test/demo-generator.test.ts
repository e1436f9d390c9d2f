import { describe, expect, it } from 'vitest';
import { DAY_MS, generateTraffic, MAX_BATCH_EVENTS, summarize, type DemoEvent } from '../demo/generate.js';

// A fixed clock: a Wednesday afternoon, so the window holds weekdays and a weekend.
const NOW = Date.parse('2026-03-18T15:30:00Z');
const week = generateTraffic({ seed: 'test', days: 7, sessionsPerDay: 300, now: NOW });
const events = week.sessions.flatMap((s) => s.batches.flat());

describe('demo traffic generator', () => {
  it('is deterministic: the same arguments give the same events and ids', () => {
    const again = generateTraffic({ seed: 'test', days: 7, sessionsPerDay: 300, now: NOW });
    expect(again).toEqual(week);
    const other = generateTraffic({ seed: 'other', days: 7, sessionsPerDay: 300, now: NOW });
    expect(other.sessions[0]!.sessionId).not.toBe(week.sessions[0]!.sessionId);
  });

  it('gives a day the same sessions whatever the run time, so a later run only adds', () => {
    const later = generateTraffic({ seed: 'test', days: 7, sessionsPerDay: 300, now: NOW + DAY_MS });
    const laterById = new Map(later.sessions.map((s) => [s.sessionId, s]));
    const overlapping = week.sessions.filter((s) => s.start >= later.from);
    expect(overlapping.length).toBeGreaterThan(1000);
    for (const session of overlapping) {
      const whole = laterById.get(session.sessionId)!;
      expect(whole.visitor).toEqual(session.visitor);
      // What the first run sent is exactly the start of what the later run sends.
      const sent = session.batches.flat();
      expect(whole.batches.flat().slice(0, sent.length)).toEqual(sent);
    }
  });

  it('leaves the events of a visit still going on at `now` for a later run', () => {
    const visit = week.sessions.find((s) => s.batches.flat().length >= 6)!;
    const cutAt = visit.batches.flat()[2]!.timestamp;
    const earlier = generateTraffic({ seed: 'test', days: 7, sessionsPerDay: 300, now: cutAt });
    const partial = earlier.sessions.find((s) => s.sessionId === visit.sessionId)!;
    expect(partial.batches.flat()).toEqual(visit.batches.flat().slice(0, 3));
  });

  it('keeps every event inside the window and every event id unique', () => {
    expect(events.every((e) => e.timestamp >= week.from && e.timestamp <= NOW)).toBe(true);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(week.sessions.every((s) => s.start >= week.from && s.start <= NOW)).toBe(true);
  });

  it('puts only valid events on the wire, at most 50 per request and 64 KB per body', () => {
    const valid = (e: DemoEvent) =>
      typeof e.event_type === 'string' &&
      e.event_type.length > 0 &&
      e.event_type.length <= 64 &&
      /^[A-Za-z0-9_-]{8,128}$/.test(e.session_id) &&
      /^[A-Za-z0-9_-]{8,128}$/.test(e.event_id) &&
      e.page_url.startsWith(`https://${e.site_id}/`) &&
      e.page_url.length <= 2000 &&
      (e.referrer === '' || /^https:\/\//.test(e.referrer)) &&
      // Like the tracker: no screen or language on the wire.
      !('screen' in e) &&
      !('language' in e) &&
      Number.isInteger(e.timestamp) &&
      Object.entries(e.props ?? {}).length <= 30 &&
      Object.entries(e.props ?? {}).every(
        ([k, v]) => k.length <= 64 && (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 500)),
      );
    expect(events.filter((e) => !valid(e))).toEqual([]);
    for (const session of week.sessions) {
      for (const batch of session.batches) {
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(MAX_BATCH_EVENTS);
        expect(Buffer.byteLength(JSON.stringify({ events: batch, sent_at: NOW }))).toBeLessThan(64 * 1024);
        expect(new Set(batch.map((e) => e.session_id))).toEqual(new Set([session.sessionId]));
      }
    }
  });

  it('sends each session as a browser would: a page view first, time moving forward, query only with UTM tags', () => {
    for (const session of week.sessions) {
      const all = session.batches.flat();
      expect(all[0]!.event_type).toBe('page_view');
      expect(all[0]!.timestamp).toBe(session.start);
      const times = all.map((e) => e.timestamp);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const e of all) {
        const query = new URL(e.page_url).search;
        if (query) expect([...new URLSearchParams(query).keys()].every((k) => k.startsWith('utm_'))).toBe(true);
      }
      // The tracker reports engaged time when a page is left: one `engagement` per page visit.
      const visits = all.filter((e) => e.event_type === 'page_view' || e.event_type === '404').length;
      const engagements = all.filter((e) => e.event_type === 'engagement').length;
      expect(engagements === visits || (engagements === visits - 1 && all.at(-1)!.timestamp > NOW - 16 * 60_000)).toBe(true);
    }
  });

  it('looks like real traffic: several sites, sources, campaigns, browsers, devices, countries, events and bounces', () => {
    const summaries = summarize(week);
    expect([...summaries.keys()].sort()).toEqual(['blog.example', 'saas.example', 'shop.example']);
    for (const s of summaries.values()) {
      expect(s.sessions).toBeGreaterThan(100);
      expect(s.pageviews).toBeGreaterThan(s.sessions);
      expect(s.bounces / s.sessions).toBeGreaterThan(0.2);
      expect(s.bounces / s.sessions).toBeLessThan(0.8);
      expect(s.visitors).toBeLessThan(s.sessions);
      expect(s.countries.size).toBeGreaterThan(8);
      expect(s.pages.size).toBeGreaterThan(5);
    }
    const firstEvents = week.sessions.map((s) => s.batches[0]![0]!);
    const referrerHosts = new Set(firstEvents.filter((e) => e.referrer).map((e) => new URL(e.referrer).host));
    expect(referrerHosts.size).toBeGreaterThan(8);
    expect(firstEvents.filter((e) => !e.referrer).length).toBeGreaterThan(week.sessions.length / 10);
    const campaigns = new Set(firstEvents.map((e) => new URL(e.page_url).searchParams.get('utm_campaign')).filter(Boolean));
    expect(campaigns.size).toBeGreaterThanOrEqual(3);
    const userAgents = new Set(week.sessions.map((s) => s.visitor.userAgent));
    expect(userAgents.size).toBeGreaterThan(10);
    expect(new Set(week.sessions.map((s) => s.visitor.device))).toEqual(new Set(['desktop', 'mobile', 'tablet']));
    // Distinct visitors need distinct addresses: X-Forwarded-For varies per visitor.
    expect(new Set(week.sessions.map((s) => s.visitor.ip)).size).toBeGreaterThan(week.sessions.length / 2);
    const names = new Set(events.map((e) => e.event_type));
    for (const name of ['page_view', 'engagement', 'outbound', 'download', '404', 'add_to_cart', 'purchase', 'signup']) {
      expect(names).toContain(name);
    }
    const outbound = events.find((e) => e.event_type === 'outbound')!;
    expect(outbound.props?.url).toMatch(/^https:\/\//);
    const cart = events.find((e) => e.event_type === 'add_to_cart')!;
    expect(cart.props).toMatchObject({ product: expect.any(String), price: expect.any(Number) });
  });

  it('follows the clock: more traffic by day than by night, and a quieter weekend for the SaaS site', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const s of week.sessions) byHour[new Date(s.start).getUTCHours()]!++;
    expect(Math.max(...byHour)).toBeGreaterThan(2 * Math.min(...byHour));
    const saasByWeekday = new Map<number, number>();
    for (const s of week.sessions.filter((s) => s.siteId === 'saas.example' && s.start < NOW - (NOW % DAY_MS))) {
      const weekday = new Date(s.start).getUTCDay();
      saasByWeekday.set(weekday, (saasByWeekday.get(weekday) ?? 0) + 1);
    }
    expect(saasByWeekday.get(6)!).toBeLessThan(saasByWeekday.get(2)!);
    expect(saasByWeekday.get(0)!).toBeLessThan(saasByWeekday.get(2)!);
  });

  it('scales with its options', () => {
    const small = generateTraffic({ seed: 'test', days: 1, sessionsPerDay: 50, now: NOW });
    expect(small.from).toBe(NOW - DAY_MS);
    expect(small.sessions.length).toBeGreaterThan(25);
    expect(small.sessions.length).toBeLessThan(120);
  });
});
