/** The HTTP API's response shapes, declared once for the collector and the dashboard. Types only. */

export type Envelope<T> = { status: 'success'; data: T } | { status: 'error'; message: string };

export interface Totals {
  pageviews: number;
}

export interface StatsData {
  totals: Totals;
}

export type StatsResponse = Envelope<StatsData>;
