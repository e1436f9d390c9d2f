import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/**
 * Write and read units DynamoDB reported for this process (ReturnConsumedCapacity), per
 * table. The bench divides them by the events ingested; a Lambda can log them per request.
 */
export interface CapacityTotals {
  write: Record<string, number>;
  read: Record<string, number>;
  /** Global secondary index writes that DynamoDB bills but dynalite does not report (see sessions-store). */
  indexWrites: number;
}

const totals: CapacityTotals = { write: {}, read: {}, indexWrites: 0 };

export function recordCapacity(kind: 'write' | 'read', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
  for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    const table = entry.TableName ?? '?';
    totals[kind][table] = (totals[kind][table] ?? 0) + (entry.CapacityUnits ?? 0);
  }
}

export function recordIndexWrites(units: number): void {
  totals.indexWrites += units;
}

export function capacitySnapshot(): CapacityTotals {
  return { write: { ...totals.write }, read: { ...totals.read }, indexWrites: totals.indexWrites };
}

export function resetCapacity(): void {
  totals.write = {};
  totals.read = {};
  totals.indexWrites = 0;
}
