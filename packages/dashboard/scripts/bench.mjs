/**
 * Prints the size of what a browser downloads to show the dashboard: the JS bundle and the
 * stylesheet, raw, gzip -9 and brotli (quality 11, as CDNs precompress). Fails when the JS
 * is over its budget (issue: ≤ 60 KB gzip in total), so a growing bundle cannot pass unseen.
 */
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const JS_BUDGET_GZIP = 60 * 1024;
const files = [
  { name: 'main.js', kind: 'JS' },
  { name: 'app.css', kind: 'CSS' },
  { name: 'index.html', kind: 'HTML' },
];

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);
const rows = [];
for (const file of files) {
  const bytes = await readFile(new URL(`../dist/${file.name}`, import.meta.url));
  rows.push({
    ...file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  });
}

console.log('dashboard bundle sizes (packages/dashboard/dist)');
console.log(`${'file'.padEnd(12)}${'raw'.padStart(9)}${'gzip -9'.padStart(9)}${'brotli'.padStart(9)}`);
for (const r of rows) console.log(`${r.name.padEnd(12)}${kb(r.raw)}${kb(r.gzip)}${kb(r.brotli)}`);
const total = (key) => rows.reduce((sum, r) => sum + r[key], 0);
console.log(`${'total'.padEnd(12)}${kb(total('raw'))}${kb(total('gzip'))}${kb(total('brotli'))}`);

const js = rows.find((r) => r.kind === 'JS');
console.log(`JS budget: ${(js.gzip / 1024).toFixed(1)} KB of ${JS_BUDGET_GZIP / 1024} KB gzip (${Math.round((js.gzip / JS_BUDGET_GZIP) * 100)}%), uPlot included`);
if (js.gzip > JS_BUDGET_GZIP) {
  console.error(`main.js is ${js.gzip - JS_BUDGET_GZIP} bytes over the gzip budget`);
  process.exitCode = 1;
}
