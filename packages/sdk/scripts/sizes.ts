import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * The built artifacts and their gzip -9 budgets in bytes. The CDN scripts are paid
 * for on every page view, so they have budgets; the npm build is reported only (an
 * app's bundler minifies and tree-shakes it).
 */
export const ARTIFACTS = [
  { name: 'CDN core', file: 'dist/cdn/liveinsight.js', budget: 1_600 },
  { name: 'CDN core + extras', file: 'dist/cdn/liveinsight.ext.js', budget: 2_500 },
  { name: 'npm ESM', file: 'dist/index.js', budget: undefined },
] as const;

export interface Size {
  name: string;
  file: string;
  budget: number | undefined;
  raw: number;
  gzip: number;
  brotli: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));

export function measure(): Size[] {
  return ARTIFACTS.map(({ name, file, budget }) => {
    const bytes = readFileSync(root + file);
    return {
      name,
      file,
      budget,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
}
