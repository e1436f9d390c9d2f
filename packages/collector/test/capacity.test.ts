import { describe, expect, it } from 'vitest';
import { runModel } from '../capacity/run.js';

/**
 * The capacity model's fast form (`npm run capacity` is the full one): small samples of
 * every scenario through the real ingest and consumer, every DynamoDB request recorded.
 * Its verdicts on keys and the stream do not depend on timing; the consumer's time budget
 * does, so it is reported by `npm run capacity` and not asserted here.
 */
describe('capacity model (fast form)', () => {
  it('counts every scenario exactly, bills what the store reports, and keeps every key below 80 % of its limit', async () => {
    const run = await runModel({ requests: 400, seed: 7, timing: false });
    for (const result of [...run.results, run.quiet]) {
      const name = result.scenario.name;
      // Ground truth: what the generator sent (page views, custom events, sessions, visitors per site).
      const sent = [...result.sample.truth.sites.values()].reduce((sum, site) => sum + site.pageviews, 0);
      expect(sent, name).toBeGreaterThan(0);
      expect(result.checks.truth.mismatches, name).toEqual([]);
      expect(result.checks.capacity.ok, `${name}: ${JSON.stringify(result.checks.capacity)}`).toBe(true);
      expect(result.perEvent.writeUnits, name).toBeGreaterThan(0);
    }
    for (const result of run.results) {
      const hot = result.families.filter((f) => !f.ok).map((f) => `${f.family}: ${(f.load * 100).toFixed(1)} %`);
      expect(hot, result.scenario.name).toEqual([]);
      expect(result.stream.ok, result.scenario.name).toBe(true);
    }
    expect(run.ok).toBe(true);
  }, 300_000);
});
