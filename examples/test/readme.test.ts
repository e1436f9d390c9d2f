import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README cannot rot: every shell command in it must be one that CI or a test runs.
 * Adding a command to the README means adding an entry below that says where it runs,
 * and the entry's check follows the command to the files it would run.
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
  /** Proves the command does what the README says it does, from the files it would run. */
  check: (command: string) => void;
}

const packageJson = (folder: string) => JSON.parse(read(`${folder}package.json`));

/** The workspace folder of a package name (`-w @liveinsight/collector` → `packages/collector/`). */
function workspaceOf(name: string): string {
  const folder = (packageJson('').workspaces as string[]).find((w) => packageJson(`${w}/`).name === name);
  expect(folder, `no workspace is named ${name}`).toBeDefined();
  return `${folder}/`;
}

/**
 * Follows an npm script to what it finally runs: through `npm run X -w W` into the
 * workspace, and to the file behind `node F` or `tsx F`, which must exist. Returns the
 * script's final command line.
 */
function resolveScript(name: string, folder = ''): string {
  const script: string | undefined = packageJson(folder).scripts?.[name];
  expect(script, `${folder || 'the root '}package.json has no "${name}" script`).toBeDefined();
  const inner = script!.replace(/^(?:[A-Z_]+=\S*\s+)+/, '');
  const delegated = /^npm run (\S+) -w (\S+)$/.exec(inner);
  if (delegated) return resolveScript(delegated[1]!, workspaceOf(delegated[2]!));
  const file = /^(?:node|tsx) (\S+)/.exec(inner)?.[1];
  if (file) expect(existsSync(ROOT + folder + file), `${folder}${file} (npm run ${name}) is missing`).toBe(true);
  return inner;
}

const EXERCISED: Exercised[] = [
  {
    command: /^npm (install|ci)$/,
    where: '.ci/run installs from the lockfile with `npm ci`, what `npm install` does on a fresh clone',
    check: () => {
      expect(read('.ci/run')).toMatch(/^npm ci\b/m);
      expect(existsSync(`${ROOT}package-lock.json`)).toBe(true);
    },
  },
  {
    command: /^npm test$/,
    where: '.ci/run runs exactly `npm test`, which builds, typechecks and runs every vitest project',
    check: () => {
      expect(read('.ci/run')).toMatch(/^npm test$/m);
      expect(resolveScript('test')).toMatch(/^npm run build && npm run typecheck && vitest run$/);
    },
  },
  {
    command: /^npm (start|run \S+)( -- .+)?$/,
    where: 'an npm script of this repository; the e2e tests (quickstart, demo) run `npm start` and `npm run demo` as a user does',
    check: (command) => {
      resolveScript(command === 'npm start' ? 'start' : command.split(' ')[2]!);
    },
  },
  {
    command: /^npm install @liveinsight\/sdk$/,
    where: 'not published from CI: the package it installs is packages/sdk, whose exports the SPA example imports',
    check: () => {
      const sdk = packageJson('packages/sdk/');
      expect(sdk.name).toBe('@liveinsight/sdk');
      expect(sdk.private).not.toBe(true);
      const exported = Object.values(sdk.exports['.'] as Record<string, string>);
      // `npm test` builds first, so every exported file is there.
      expect(exported.filter((file) => !existsSync(`${ROOT}packages/sdk/${file}`))).toEqual([]);
      expect(read('examples/spa/src/analytics.ts')).toContain("from '@liveinsight/sdk'");
    },
  },
  {
    command: /^apt-get (update|install( -y)?( --no-install-recommends)? chromium( jq)?)$/,
    where: '.ci/run installs Chromium and jq when they are missing',
    check: (command) => {
      const ci = read('.ci/run');
      expect(ci).toMatch(/apt-get install\b/);
      for (const name of command.split(' ').slice(-2).filter((w) => w === 'chromium' || w === 'jq')) expect(ci).toMatch(new RegExp(`missing\\+=\\(${name}\\)`));
    },
  },
  {
    command: /^(npx )?cdk (bootstrap|deploy|destroy)\b/,
    where: 'needs an AWS account, so no test can run it; infra tests synthesise the very same app (infra/cdk.json) offline',
    check: () => {
      const app: string = JSON.parse(read('infra/cdk.json')).app;
      const entry = /(\S+\.ts)$/.exec(app)?.[1];
      expect(entry && existsSync(`${ROOT}infra/${entry}`), `infra/cdk.json app: ${app}`).toBe(true);
      expect(existsSync(`${ROOT}node_modules/.bin/cdk`)).toBe(true);
    },
  },
  {
    command: /^cd \S+$/,
    where: 'a folder of this repository',
    check: (command) => expect(existsSync(ROOT + command.slice(3))).toBe(true),
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
    entry!.check(plain);
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
