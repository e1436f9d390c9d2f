import { describe, expect, it } from 'vitest';
import { handler as events } from '../src/handlers/events.js';
import { getDocumentClient } from '../src/store/client.js';
import { apiEvent } from './support/events.js';
import { useTestStore } from './support/store.js';

useTestStore();

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

describe('rollup write order', () => {
  it('writes the total items, the stats cache fingerprint, only after every other item of a consumer batch', async () => {
    // Every counter update (ADD) on the stats table, in the order the client sends them.
    const sent: string[] = [];
    getDocumentClient().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { TableName?: string; Key?: { sk?: string }; UpdateExpression?: string };
        if (input.TableName === process.env.STATS_TABLE && input.Key?.sk && input.UpdateExpression?.includes('ADD')) sent.push(input.Key.sk);
        return next(args);
      },
      { step: 'initialize', name: 'recordStatsWrites' },
    );
    const event = (type: string, id: string, props?: Record<string, string>) => ({
      event_type: type,
      session_id: 'write-order-1',
      event_id: id,
      timestamp: Date.now(),
      site_id: 'order.example',
      page_url: 'https://order.example/docs?utm_source=news',
      referrer: 'https://search.example/',
      ...(props && { props }),
    });
    const result = await events(
      apiEvent({
        httpMethod: 'POST',
        path: '/api/events',
        headers: { 'User-Agent': UA },
        body: { events: [event('page_view', 'a'), event('outbound', 'b', { url: 'https://mdn.example/x' })], sent_at: Date.now() },
      }),
    );
    expect(result.statusCode).toBe(200);

    const isTotal = (sk: string) => sk === 'total' || sk.startsWith('total~');
    const firstTotal = sent.findIndex(isTotal);
    const lastOther = Math.max(...sent.map((sk, i) => (isTotal(sk) ? -1 : i)));
    expect(sent.some((sk) => sk.startsWith('prop#'))).toBe(true);
    expect(firstTotal).toBeGreaterThan(-1);
    expect(lastOther).toBeLessThan(firstTotal);
  });
});
