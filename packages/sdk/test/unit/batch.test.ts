import { describe, expect, it } from 'vitest';
import { byteLength, takeBatch } from '../../src/lib/batch.js';

const event = (i: number, size = 10) => ({ i, text: 'x'.repeat(size) });

describe('takeBatch', () => {
  it('takes at most 50 events, oldest first, and leaves the rest queued', () => {
    const queue = Array.from({ length: 120 }, (_, i) => event(i));
    const first = takeBatch(queue);
    expect(first.map((e) => e.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(queue).toHaveLength(70);
    expect(queue[0]!.i).toBe(50);
  });

  it('keeps each batch within 60,000 bytes of UTF-8, counting multi-byte chars', () => {
    // 3 bytes per char: 10 events of 2,500 chars are ~75 KB of UTF-8 but only 25,000 chars.
    const queue = Array.from({ length: 10 }, (_, i) => ({ i, text: '€'.repeat(2_500) }));
    const batches = [];
    for (let batch; (batch = takeBatch(queue))[0]; ) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([7, 3]);
    for (const batch of batches) expect(byteLength(batch)).toBeLessThanOrEqual(60_000);
  });

  it('sends an event too large on its own alone rather than blocking the queue', () => {
    const queue = [event(0, 70_000), event(1)];
    expect(takeBatch(queue).map((e) => e.i)).toEqual([0]);
    expect(takeBatch(queue).map((e) => e.i)).toEqual([1]);
    expect(takeBatch(queue)).toEqual([]);
  });
});
