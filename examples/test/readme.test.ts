import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README cannot rot: every shell command in it must be one that CI or a test runs.
 * Adding a command to the README means adding an entry below that says where it runs,
 * and the entry's check proves that place really runs it.
 * LIVEINSIGHT_README=path checks a draft instead of the root README.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = process.env.LIVEINSIGHT_README ?? `${ROOT}README.md`;

const read = (path: string) => readFileSync(ROOT + path, 'utf8');
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
/** Inline code that starts with one of these is a command too, e.g. "run `npm test`". */
const COMMAND_WORDS = /^(npm|npx|node|git|curl|apt-get|sudo|cdk|aws|docker|yarn|pnpm|cd|export|[A-Z_]+=\S*)\b/;

/** The shell commands a reader would type, one per entry, as written. */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
  for (const [, lang, body] of markdown.matchAll(fence)) {
    if (!SHELL_FENCES.has(lang!)) continue;
    const lines = body!.replace(/\\\n\s*/g, ' ').split('\n');
    for (let line of lines) {
      line = line.trim();
      if (lang === 'console') {
        if (!line.startsWith('$ ')) continue; // output lines
        line = line.slice(2);
      }
      if (!line || line.startsWith('#')) continue;
      commands.push(...line.split(/\s*(?:&&|;)\s*/).filter(Boolean));
    }
  }
  const prose = markdown.replace(fence, '');
  for (const [, code] of prose.matchAll(/`([^`\n]+)`/g)) {
    if (COMMAND_WORDS.test(code!) && !code!.includes('<')) commands.push(...code!.split(/\s*&&\s*/));
  }
  return commands.map((command) => command.replace(/\s+/g, ' ').trim());
}

/** A command without its environment assignments (`LIVEINSIGHT_API_KEY=dev-key npm start` → `npm start`). */
export function withoutEnv(command: string): string {
  return command.replace(/^(?:export\s+)?(?:[A-Z_][A-Z0-9_]*=\S*\s*)+/, '').trim();
}

interface Exercised {
  command: RegExp;
  /** Where the command runs, for the reader of a failure. */
  where: string;
  /** Proves that place runs it. */
  check: () => void;
}

const EXERCISED: Exercised[] = [
  {
    command: /^npm (install|ci)$/,
    where: '.ci/run installs from the lockfile with `npm ci`, what `npm install` does on a fresh clone',
    check: () => expect(read('.ci/run')).toMatch(/^npm ci\b/m),
  },
  {
    command: /^npm test$/,
    where: '.ci/run runs exactly `npm test`',
    check: () => expect(read('.ci/run')).toMatch(/^npm test$/m),
  },
  {
    command: /^npm start$/,
    where: 'examples/test/quickstart.e2e.test.ts runs `npm start` and opens what it serves',
    check: () => expect(read('examples/test/quickstart.e2e.test.ts')).toContain("npm(['start']"),
  },
  {
    command: /^npm run demo( -- .+)?$/,
    where: 'examples/test/quickstart.e2e.test.ts runs the demo against `npm start`; demo.e2e.test.ts checks its numbers',
    check: () => {
      expect(read('examples/test/quickstart.e2e.test.ts')).toContain("npm(['run', 'demo'");
      expect(read('examples/test/demo.e2e.test.ts')).toContain("'run', 'demo'");
    },
  },
  {
    command: /^npm install @liveinsight\/sdk$/,
    where: 'not published from CI: the SPA example depends on @liveinsight/sdk the same way (as a workspace) and spa.e2e.test.ts runs it',
    check: () => {
      expect(JSON.parse(read('examples/package.json')).dependencies).toHaveProperty('@liveinsight/sdk');
      expect(read('examples/spa/src/analytics.ts')).toContain("from '@liveinsight/sdk'");
    },
  },
  {
    command: /^apt-get (update|install( -y)?( --no-install-recommends)? chromium)$/,
    where: '.ci/run installs Chromium when it is missing',
    check: () => expect(read('.ci/run')).toMatch(/apt-get install\b.*\bchromium/),
  },
  {
    command: /^(npx )?cdk (bootstrap|deploy|destroy)\b/,
    where: 'needs an AWS account, so no test can run it; CI synthesises the very same CDK app offline (`npm run synth`, infra tests)',
    check: () => expect(JSON.parse(read('infra/package.json')).scripts.synth).toMatch(/^cdk synth\b/),
  },
  {
    command: /^npm run (build|synth|bench)$/,
    where: '`npm test` runs `npm run build` first; infra tests synthesise the app as `npm run synth` does; bench is reported, not tested',
    check: () => {
      const scripts = JSON.parse(read('package.json')).scripts;
      expect(scripts.test).toMatch(/^npm run build\b/);
      expect(scripts.synth).toBeDefined();
      expect(scripts.bench).toBeDefined();
    },
  },
  {
    command: /^npm run capacity$/,
    where: 'packages/collector/test/capacity.test.ts runs the same model (runModel) on small samples; the full run is reported, not tested',
    check: () => {
      expect(JSON.parse(read('package.json')).scripts.capacity).toMatch(/-w @liveinsight\/collector$/);
      expect(JSON.parse(read('packages/collector/package.json')).scripts.capacity).toMatch(/capacity\/main\.ts$/);
      expect(read('packages/collector/capacity/main.ts')).toContain('runModel(');
      expect(read('packages/collector/test/capacity.test.ts')).toContain('runModel(');
    },
  },
  {
    command: /^cd \S+$/,
    where: 'a folder of this repository',
    check: () => {},
  },
];

const markdown = readFileSync(README, 'utf8');
const commands = readmeCommands(markdown);
/** Relative links and images: `[text](path)` and `![alt](path)`, without #anchors. */
const localLinks = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
  .map((m) => m[1]!.split('#')[0]!)
  .filter((target) => target && !/^[a-z]+:/i.test(target));

describe('README commands', () => {
  it('has the quick start: install, start, test', () => {
    const plain = commands.map(withoutEnv);
    expect(plain).toContain('npm install');
    expect(plain).toContain('npm start');
    expect(plain).toContain('npm test');
  });

  it.each(commands)('`%s` is run by CI or a test', (command) => {
    const plain = withoutEnv(command);
    const entry = EXERCISED.find((e) => e.command.test(plain));
    expect(entry, `No test or CI step runs \`${plain}\`: add one, and an entry in EXERCISED`).toBeDefined();
    entry!.check();
    if (plain.startsWith('cd ')) expect(existsSync(ROOT + plain.slice(3))).toBe(true);
  });
});

describe('README links', () => {
  it('points only to files that exist', () => {
    expect(localLinks.filter((target) => !existsSync(ROOT + target))).toEqual([]);
  });
});

describe('README command parsing', () => {
  it('reads shell fences and inline commands, not other code', () => {
    const markdown = [
      'Run `npm start`, then open `http://127.0.0.1:3000/` and read `docs/privacy.md`.',
      '```sh',
      '# a comment',
      'npm install && npm start',
      'LIVEINSIGHT_API_KEY=dev-key \\',
      '  npm run demo',
      '```',
      '```console',
      '$ npm test',
      'Tests 42 passed',
      '```',
      '```html',
      '<script defer src="x.js"></script>',
      '```',
      '```ts',
      "import { init } from '@liveinsight/sdk';",
      '```',
    ].join('\n');
    expect(readmeCommands(markdown)).toEqual(['npm install', 'npm start', 'LIVEINSIGHT_API_KEY=dev-key npm run demo', 'npm test', 'npm start']);
    expect(withoutEnv('LIVEINSIGHT_API_KEY=dev-key PORT=3001 npm run demo')).toBe('npm run demo');
  });
});
