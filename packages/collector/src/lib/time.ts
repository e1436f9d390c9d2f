/** UTC buckets. Every rollup, salt and marker is keyed by these labels. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
export const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

/** `2024-05-01T13` */
export const hourLabel = (ms: number): string => new Date(ms).toISOString().slice(0, 13);
/** `2024-05-01` */
export const dayLabel = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Two-digit minute of the hour, `07`. */
export const minuteOfHour = (ms: number): string => new Date(ms).toISOString().slice(14, 16);

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Bucket starts in [from, to), stepping by `unit`; `from` is floored to the unit. */
export function bucketStarts(from: number, to: number, unit: number): number[] {
  const starts: number[] = [];
  for (let t = floorTo(from, unit); t < to; t += unit) starts.push(t);
  return starts;
}
