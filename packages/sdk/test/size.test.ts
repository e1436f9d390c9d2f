// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { measure } from '../scripts/sizes.js';

// Reads the built files: `npm test` builds first; alone, run `npm run build -w @liveinsight/sdk`.
describe('byte budgets (gzip -9)', () => {
  for (const size of measure().filter((size) => size.budget)) {
    it(`${size.name} (${size.file}) fits ${size.budget} bytes`, () => {
      expect(size.gzip).toBeLessThanOrEqual(size.budget!);
    });
  }
});
