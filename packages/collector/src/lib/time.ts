/** UTC buckets. Every rollup, salt and marker is keyed by these labels. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
export const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

/** Labels are asked for many times per event; formatting a Date each time shows in profiles. */
function labeller(unit: number, length: number): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    const start = Math.floor(ms / unit) * unit;
    let label = cache.get(start);
    if (label === undefined) {
      if (cache.size > 10_000) cache.clear();
      label = new Date(start).toISOString().slice(0, length);
      cache.set(start, label);
    }
    return label;
  };
}

/** `2024-05-01T13` */
export const hourLabel = labeller(3_600_000, 13);
/** `2024-05-01` */
export const dayLabel = labeller(86_400_000, 10);
/** Two-digit minute of the hour, `07`. */
export const minuteOfHour = (ms: number): string => new Date(ms).toISOString().slice(14, 16);

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Bucket starts in [from, to), stepping by `unit`; `from` is floored to the unit. */
export function bucketStarts(from: number, to: number, unit: number): number[] {
  const starts: number[] = [];
  for (let t = floorTo(from, unit); t < to; t += unit) starts.push(t);
  return starts;
}
