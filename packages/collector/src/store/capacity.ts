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
  /** Requests sent to DynamoDB. */
  calls: { write: number; read: number };
}

const totals: CapacityTotals = { write: {}, read: {}, indexWrites: 0, calls: { write: 0, read: 0 } };

export function recordCapacity(kind: 'write' | 'read', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
  totals.calls[kind]++;
  for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    const table = entry.TableName ?? '?';
    totals[kind][table] = (totals[kind][table] ?? 0) + (entry.CapacityUnits ?? 0);
  }
}

/**
 * A write refused by its condition still costs DynamoDB's write units, but the SDK's
 * error carries no ConsumedCapacity: counted as one unit (every item involved is < 1 KB).
 */
export function recordConditionFailure(table: string): void {
  totals.calls.write++;
  totals.write[table] = (totals.write[table] ?? 0) + 1;
}

export function recordIndexWrites(units: number): void {
  totals.indexWrites += units;
}

export function capacitySnapshot(): CapacityTotals {
  return { write: { ...totals.write }, read: { ...totals.read }, indexWrites: totals.indexWrites, calls: { ...totals.calls } };
}

export function resetCapacity(): void {
  totals.write = {};
  totals.read = {};
  totals.indexWrites = 0;
  totals.calls = { write: 0, read: 0 };
}
