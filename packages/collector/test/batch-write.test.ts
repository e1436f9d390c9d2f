import { describe, expect, it } from 'vitest';
import { batchWrite, MAX_BATCH_ATTEMPTS, type BatchSender } from '../src/store/batch-write.js';
import { StorageUnavailableError } from '../src/errors.js';

/**
 * dynalite never answers UnprocessedItems, so the resend loop is exercised with a
 * scripted sender: the loop's own arithmetic, not a stand-in for the store.
 */
const put = (id: number) => ({ PutRequest: { Item: { id } } });

describe('batchWrite', () => {
  it('sends 25 at a time and resends what comes back unprocessed until all are written', async () => {
    const written: number[] = [];
    let calls = 0;
    const send: BatchSender = async (input) => {
      calls++;
      const requests = input.RequestItems!.t!;
      // Every first attempt of a chunk leaves its last two items unprocessed.
      const keep = requests.length > 2 && calls <= 2 ? requests.slice(0, -2) : requests;
      written.push(...keep.map((r) => (r.PutRequest!.Item as { id: number }).id));
      const unprocessed: Record<string, typeof requests> = keep.length < requests.length ? { t: requests.slice(-2) } : {};
      return { UnprocessedItems: unprocessed };
    };
    await batchWrite('t', Array.from({ length: 30 }, (_, i) => put(i)), send);
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(calls).toBe(4);
  });

  it('gives up as storage unavailable when items stay unprocessed', async () => {
    let calls = 0;
    const send: BatchSender = async (input) => {
      calls++;
      return { UnprocessedItems: input.RequestItems };
    };
    await expect(batchWrite('t', [put(1)], send)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(calls).toBe(MAX_BATCH_ATTEMPTS);
  });
});
