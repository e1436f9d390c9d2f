import { flushAllSites } from '../service/rollup-flush.js';

/**
 * Scheduled (EventBridge, once a minute): folds every site's buffered rollup deltas into
 * the rollups, so that stats are at most a minute or two behind even when nobody reads
 * them. Throws on failure so that Lambda's Errors metric (and its alarm) sees it; the
 * next run resumes where this one stopped.
 */
export const handler = async (): Promise<{ sites: number; deltas: number; items: number }> => {
  const result = await flushAllSites();
  console.log(JSON.stringify({ level: 'info', msg: 'rollups flushed', ...result }));
  return result;
};
