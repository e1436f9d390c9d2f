import { describe } from './send.js';

/** Why the demo cannot send, in words that tell the developer what to type. */
export class DemoSetupError extends Error {
  override name = 'DemoSetupError';
}

const TWO_TERMINALS = `
The demo sends a week of history as a trusted backfill: the collector keeps the
events' own timestamps only for requests carrying the key the stack was started with.
Run the stack and the demo with the same key, e.g. in two terminals:

  LIVEINSIGHT_API_KEY=dev-key npm start
  LIVEINSIGHT_API_KEY=dev-key npm run demo`;

/**
 * Checks, before anything is sent, that the stack answers and will trust our key: a
 * stack without a key would file every event at the current minute, which turns a week
 * of history into one spike and cannot be undone.
 */
export async function checkStack(apiUrl: string, apiKey: string | undefined): Promise<void> {
  const sites = `${apiUrl.replace(/\/+$/, '')}/api/sites`;
  let anonymous: Response;
  try {
    anonymous = await fetch(sites);
  } catch (error) {
    throw new DemoSetupError(`Nothing answers at ${apiUrl} (${describe(error)}).\n${TWO_TERMINALS}`);
  }
  if (anonymous.ok) {
    throw new DemoSetupError(
      `The stack at ${apiUrl} answers reads without a key, so it was started without LIVEINSIGHT_API_KEY and would not trust the demo's timestamps.\n${TWO_TERMINALS}`,
    );
  }
  if (anonymous.status !== 401 && anonymous.status !== 403) {
    throw new DemoSetupError(`GET ${sites} answered ${anonymous.status}; is ${apiUrl} a LiveInsight stack?`);
  }
  if (!apiKey) {
    throw new DemoSetupError(`The stack at ${apiUrl} has a key, but LIVEINSIGHT_API_KEY is not set for the demo.\n${TWO_TERMINALS}`);
  }
  const keyed = await fetch(sites, { headers: { 'X-API-Key': apiKey } });
  if (!keyed.ok) {
    throw new DemoSetupError(
      `The stack at ${apiUrl} refuses this LIVEINSIGHT_API_KEY (${keyed.status}): it was started with a different one.\n${TWO_TERMINALS}`,
    );
  }
}
