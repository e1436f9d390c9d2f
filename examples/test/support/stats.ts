import type { StatsData, StatsResponse } from '@liveinsight/contract';

/** GET /api/stats through the real HTTP API, failing loudly on an error envelope. */
export async function getStats(
  baseUrl: string,
  params: Record<string, string | number>,
  apiKey?: string,
): Promise<StatsData> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const response = await fetch(`${baseUrl}/api/stats?${query}`, { headers: apiKey ? { 'X-API-Key': apiKey } : {} });
  const body = (await response.json()) as StatsResponse;
  if (body.status !== 'success') throw new Error(`GET /api/stats?${query} answered ${response.status}: ${body.message}`);
  return body.data;
}

/** A breakdown as a plain value → number map, for whole-map equality assertions. */
export function countsOf<T extends { value: string }>(rows: readonly T[], count: (row: T) => number): Record<string, number> {
  return Object.fromEntries(rows.map((row) => [row.value, count(row)]));
}
