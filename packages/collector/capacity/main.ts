/**
 * `npm run capacity`: the capacity model (capacity/model.ts), at the scale set by
 * CAPACITY_REQUESTS (requests per scenario sample) and CAPACITY_SEED. Exits non-zero when
 * a key or the stream is above 80 % of its limit in any scenario, or a self-check fails.
 */
import { runModel } from './run.js';

const requests = Number(process.env.CAPACITY_REQUESTS ?? 2_000);
const seed = Number(process.env.CAPACITY_SEED ?? 20261204);
const run = await runModel({ requests, seed, log: (line) => console.error(line) });
console.log(run.report);
process.exitCode = run.ok ? 0 : 1;
