// `npm start`: build whatever is missing or older than its sources, then run the local
// stack (packages/collector/src/local/main.ts) in this process's place.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

// In dependency order: every package imports the contract; the SPA example bundles the SDK.
const builds = [
  { workspace: 'packages/contract', output: 'dist/index.js' },
  { workspace: 'packages/sdk', output: 'dist/cdn/liveinsight.js' },
  { workspace: 'packages/collector', output: 'dist/local/main.js' },
  { workspace: 'packages/dashboard', output: 'dist/index.html' },
  { workspace: 'examples', output: 'spa/build/app.js' },
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'build') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

for (const { workspace, output } of builds) {
  const dir = join(root, workspace);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.build) continue;
  const outputPath = join(dir, output);
  const builtAt = existsSync(outputPath) ? statSync(outputPath).mtimeMs : 0;
  if (builtAt && builtAt >= newestMtime(dir)) continue;
  console.log(`Building ${pkg.name}…`);
  const result = spawnSync('npm', ['run', 'build', '--silent', '-w', pkg.name], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The local stack runs on the developer's Node (20 is supported); Lambda runs 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import(join(root, 'packages/collector/dist/local/main.js'));
