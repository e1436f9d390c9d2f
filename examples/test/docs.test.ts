import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKFILL_WINDOW_MS, FUTURE_WINDOW_MS, PAST_WINDOW_MS } from '../../packages/collector/src/service/enrich.js';
import { IDLE_MS, LIVE_SESSION_TTL_MS } from '../../packages/collector/src/service/session-math.js';
import { visitorDayTtl } from '../../packages/collector/src/service/visitors.js';
import { DEFAULT_CAPS } from '../../packages/collector/src/store/keys.js';
import { ACTIVITY_SHARDS, EVENTS_STREAM, TABLES } from '../../packages/collector/src/store/tables.js';
import { KEYS, LIMITS } from '../../packages/sdk/src/lib/limits.js';
import { ARCHIVE_COLUMNS } from '../../packages/collector/src/archive/record.js';
import { DEFAULTS as ARCHIVE_DEFAULTS } from '../../infra/lib/config.js';

/**
 * docs/privacy.md and docs/architecture.md state numbers a reader relies on (how long
 * things are kept, what the browser stores). Each is pinned here to the constant the
 * code uses, so changing one without the other fails.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const privacy = readFileSync(`${ROOT}docs/privacy.md`, 'utf8');
const architecture = readFileSync(`${ROOT}docs/architecture.md`, 'utf8');
const archive = readFileSync(`${ROOT}docs/archive.md`, 'utf8');
const contracts = readFileSync(`${ROOT}docs/contracts.md`, 'utf8');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('docs match the code', () => {
  it('privacy.md: how long raw events, sessions, salts and visitor markers are kept', () => {
    expect(EVENTS_STREAM.retentionHours).toBe(24);
    expect(privacy).toMatch(/\*\*24 hours\*\* on Kinesis/);
    expect(LIVE_SESSION_TTL_MS).toBe(2 * DAY);
    expect(privacy).toMatch(/\*\*2 days\*\* after the last request/);
    expect(BACKFILL_WINDOW_MS).toBe(400 * DAY);
    expect(privacy).toContain('up to 400 days after their last event');
    // A day's salt, markers and waiting values' weights (admission.ts) expire one day after the day ends.
    const dayEnd = Date.parse('2026-03-02T00:00:00Z');
    expect(visitorDayTtl('2026-03-01', dayEnd - HOUR) * 1000).toBe(dayEnd + DAY);
    expect(privacy.match(/\*\*1 day after its day\*\* ends/g)).toHaveLength(3);
  });

  it('privacy.md: what the tracker keeps in the browser', () => {
    expect(privacy).toContain(`\`${KEYS.session}\``);
    expect(privacy).toContain(`\`${KEYS.queue}\``);
    expect(privacy).toContain(`\`${KEYS.optOut}\``);
    expect(privacy).toContain(`(at most ${LIMITS.storedEvents})`);
    expect(LIMITS.sessionIdleMs).toBe(30 * 60_000);
    expect(LIMITS.sessionMaxMs).toBe(DAY);
    expect(privacy).toContain('after 30 minutes idle or 24 hours');
  });

  it('privacy.md: the archive, every column it keeps, and for how long', () => {
    expect(ARCHIVE_DEFAULTS.archiveRetentionDays).toBe(400);
    expect(privacy).toContain('**400 days** by default in AWS (CDK context `archiveRetentionDays`; 0 keeps it for good)');
    for (const column of ARCHIVE_COLUMNS) expect(archive, column.name).toContain(`| \`${column.name}\` |`);
  });

  it('privacy.md: every table is described, and only these', () => {
    for (const id of Object.keys(TABLES)) expect(privacy).toContain(`| **${id}**`);
  });

  it('architecture.md: the numbers of the ingestion and read paths', () => {
    expect(architecture).toContain(`{site}#{0..${ACTIVITY_SHARDS - 1}}`);
    expect(architecture).toContain(`spread over ${ACTIVITY_SHARDS} shards`);
    expect(DEFAULT_CAPS).toEqual({ page: 1000, source: 500, tech: 300, country: 300, event: 200, prop: 1000 });
    expect(architecture).toContain('(pages 1,000, sources\n  500, browsers/OS/devices 300, countries 300, events 200, props 1,000)');
    expect(IDLE_MS).toBe(30 * 60_000);
    expect(PAST_WINDOW_MS).toBe(DAY);
    expect(FUTURE_WINDOW_MS).toBe(5 * 60_000);
    expect(architecture).toContain('events more than a day back or 5 minutes ahead');
    expect(architecture.match(/```mermaid/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('architecture.md: every module the code map names exists', () => {
    const map = architecture.slice(architecture.indexOf('## Code map'));
    const paths = [...map.matchAll(/^\|[^|\n]*\| `([^`]+)` \|$/gm)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(20);
    // `dir/{a,b}.ts` names dir/a.ts and dir/b.ts.
    const expand = (path: string): string[] => {
      const braces = /\{([^}]+)\}/.exec(path);
      return braces ? braces[1]!.split(',').flatMap((part) => expand(path.replace(braces[0], part))) : [path];
    };
    const missing = paths.flatMap(expand).filter((path) => !existsSync(`${ROOT}${path}`));
    expect(missing).toEqual([]);
  });

  it('architecture.md: the code map names every source folder and every collector module', () => {
    const map = architecture.slice(architecture.indexOf('## Code map'));
    const named = [...map.matchAll(/^\|[^|\n]*\| `([^`]+)` \|$/gm)].flatMap((m) => {
      const braces = /^(.*)\{([^}]+)\}(.*)$/.exec(m[1]!);
      return braces ? braces[2]!.split(',').map((part) => braces[1] + part + braces[3]) : [m[1]!];
    });
    const covered = (path: string) => named.some((entry) => path === entry || (entry.endsWith('/') && path.startsWith(entry)));
    const sourceFolders = ['packages/contract/src', 'packages/collector/src', 'packages/sdk/src', 'packages/dashboard/src', 'infra/lib'];
    const files = (dir: string): string[] =>
      readdirSync(`${ROOT}${dir}`, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [`${dir}/${entry.name}`] : [],
      );
    // The tracker, the dashboard and the CDK app are named as folders; the collector module by module.
    const unnamed = sourceFolders.flatMap(files).filter((path) => !covered(path));
    expect(unnamed).toEqual([]);
  });

  it('contracts.md: every module it names exists, and exports the rule it is named for', async () => {
    const named = [...contracts.matchAll(/`((?:packages|infra)\/[^`\s]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((path) => !existsSync(`${ROOT}${path}`))).toEqual([]);
    // "`NAME` in `path`": the module exports NAME.
    const symbols = [...contracts.matchAll(/`([A-Z][A-Z_]+|[a-z][A-Za-z]+)` in `((?:packages|infra)\/[^`]+\.ts)`/g)];
    expect(symbols.length).toBeGreaterThanOrEqual(5);
    for (const [, symbol, path] of symbols) {
      const module = (await import(`${ROOT}${path}`)) as Record<string, unknown>;
      expect(module[symbol!], `${symbol} in ${path}`).toBeDefined();
    }
  });
});
