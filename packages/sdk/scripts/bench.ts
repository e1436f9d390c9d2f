import { measure } from './sizes.js';

// `npm run bench -w @liveinsight/sdk` (after a build): sizes as served, budget alongside.
const rows = measure().map((size) => ({
  artifact: size.name,
  file: size.file,
  raw: size.raw,
  'gzip -9': size.gzip,
  'brotli 11': size.brotli,
  'gzip budget': size.budget ?? '-',
}));
console.table(rows);
