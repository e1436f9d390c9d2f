/**
 * Records every DynamoDB request the collector makes, from outside the code under test: a
 * middleware on the document client that notes table, index, partition and sort key, the
 * item's bytes before and after (read around the write by a second, unrecorded client),
 * the units DynamoDB's size rules bill, the units the store reported, the condition's
 * outcome and the SDK's retries. dynalite reports no index writes, so the ActivityIndex
 * writes are derived from the old and new item, as DynamoDB bills them.
 */
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../src/store/create-tables.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableId, tableName } from '../src/store/tables.js';

export type Outcome = 'ok' | 'refused' | 'error';

export interface RecordedRequest {
  op: string;
  table: TableId;
  index?: string;
  pk: string;
  sk?: string;
  /** Item bytes by DynamoDB's size rules: before and after a write, the item read. */
  bytesBefore: number;
  bytesAfter: number;
  /** Units by the size rules (writes: the larger of before and after, per KB). */
  units: number;
  /** Units the store reported (ConsumedCapacity); absent when the write was refused. */
  reported?: number;
  outcome: Outcome;
  retries: number;
  read: boolean;
}

type Item = Record<string, AttributeValue>;

const WRITE_OPS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const READ_OPS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']);
const baseName = (name: string) => name.replace(/^(Put|Update|Delete|Get|BatchGet)Command$/, '$1ItemCommand');

/** DynamoDB's item size: attribute names plus values (UTF-8 strings, numbers by significant digits). */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M) return 3 + Object.keys(value.M).length + itemBytes(value.M);
  return 0;
}

/** 1 byte per two significant digits, plus 1 (DynamoDB's documented approximation). */
function numberBytes(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/e.*$/i, '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length ? 1 + Math.ceil(digits.length / 2) : 1;
}

const KB = 1024;
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / KB));

const tableIdOf = (name: string): TableId | undefined => (Object.keys(TABLES) as TableId[]).find((id) => tableName(id) === name);

const ACTIVITY = TABLES.sessions.globalIndexes[0];
const PROJECTED = [ACTIVITY.partitionKey.name, ACTIVITY.sortKey.name, TABLES.sessions.partitionKey.name, ...ACTIVITY.nonKeyAttributes];

/** The index entry of a sessions item: what DynamoDB keeps in the ActivityIndex, or none. */
function indexEntry(item: Item | undefined): Item | undefined {
  if (!item?.[ACTIVITY.partitionKey.name] || !item[ACTIVITY.sortKey.name]) return undefined;
  return Object.fromEntries(PROJECTED.filter((name) => item[name]).map((name) => [name, item[name]!]));
}

const same = (a: Item | undefined, b: Item | undefined, names: readonly string[]) => names.every((n) => JSON.stringify(a?.[n]) === JSON.stringify(b?.[n]));

/** The ActivityIndex writes of one sessions write: put, delete, or both when its key moved. */
function indexWrites(before: Item | undefined, after: Item | undefined): { pk: string; sortValue: string; units: number }[] {
  const was = indexEntry(before);
  const is = indexEntry(after);
  const keys = [ACTIVITY.partitionKey.name, ACTIVITY.sortKey.name];
  const entry = (item: Item) => ({ pk: item[ACTIVITY.partitionKey.name]!.S!, sortValue: item[ACTIVITY.sortKey.name]!.N!, units: writeUnits(itemBytes(item)) });
  if (!was && !is) return [];
  if (!was) return [entry(is!)];
  if (!is) return [entry(was)];
  if (!same(was, is, keys)) return [entry(was), entry(is)];
  return same(was, is, PROJECTED) ? [] : [entry(is)];
}

export interface Recorder {
  requests: RecordedRequest[];
  reset(): void;
  detach(): void;
}

/** Attaches the recorder to the document client the collector uses. */
export function record(client: DynamoDBDocumentClient, endpoint: string): Recorder {
  // Command names as the document client's commands give them (PutCommand) or the base client's (PutItemCommand).
  const shadow = localClient(endpoint);
  const requests: RecordedRequest[] = [];
  const keyOf = (table: TableId, item: Item) => {
    const def = TABLES[table];
    const key: Item = { [def.partitionKey.name]: item[def.partitionKey.name]! };
    if ('sortKey' in def) key[def.sortKey.name] = item[def.sortKey.name]!;
    return key;
  };
  const read = async (table: TableId, key: Item) =>
    (await shadow.send(new GetItemCommand({ TableName: tableName(table), Key: key, ConsistentRead: true }))).Item;

  // Asked for before the document client translates its input (the store's code does not ask).
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      return next(args);
    },
    { step: 'initialize', name: 'capacityReturn' },
  );
  const attempts = new WeakMap<object, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      attempts.set(context, (attempts.get(context) ?? 0) + 1);
      return next(args);
    },
    { step: 'deserialize', name: 'capacityAttempts' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = baseName(context.commandName ?? '');
      const input = args.input as Record<string, any>;
      const isWrite = WRITE_OPS.has(op);
      if (!isWrite && !READ_OPS.has(op)) return next(args);
      if (!isWrite) {
        const result = await next(args);
        const output = result.output as Record<string, any>;
        const consumed = ([] as any[]).concat(output.ConsumedCapacity ?? []);
        const reported = consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        const tableNameIn = op === 'BatchGetItemCommand' ? Object.keys(input.RequestItems)[0]! : input.TableName;
        const table = tableIdOf(tableNameIn);
        if (table) {
          const pk =
            op === 'GetItemCommand'
              ? Object.values(input.Key as Item)[0]!.S ?? '?'
              : op === 'QueryCommand'
                ? String(Object.values(input.ExpressionAttributeValues as Item)[0]?.S ?? '?')
                : `batch of ${input.RequestItems[tableNameIn].Keys.length}`;
          const sk = op === 'GetItemCommand' ? (Object.values(input.Key as Item)[1]?.S ?? undefined) : undefined;
          requests.push({ op, table, ...(input.IndexName && { index: input.IndexName }), pk, ...(sk !== undefined && { sk }), bytesBefore: 0, bytesAfter: 0, units: reported, reported, outcome: 'ok', retries: (attempts.get(context) ?? 1) - 1, read: true });
        }
        return result;
      }
      const table = tableIdOf(input.TableName);
      if (!table) return next(args);
      const key: Item = input.Key ?? keyOf(table, input.Item);
      const before = await read(table, key);
      let outcome: Outcome = 'ok';
      let reported: number | undefined;
      try {
        const result = await next(args);
        reported = (result.output as any).ConsumedCapacity?.CapacityUnits;
        return result;
      } catch (error) {
        outcome = (error as Error).name === 'ConditionalCheckFailedException' ? 'refused' : 'error';
        throw error;
      } finally {
        const after = outcome === 'ok' ? await read(table, key) : before;
        const bytesBefore = itemBytes(before);
        const bytesAfter = itemBytes(after);
        const def = TABLES[table];
        const pk = key[def.partitionKey.name]!.S!;
        const sk = 'sortKey' in def ? key[def.sortKey.name]?.S : undefined;
        requests.push({
          op,
          table,
          pk,
          ...(sk !== undefined && { sk }),
          bytesBefore,
          bytesAfter,
          units: writeUnits(Math.max(bytesBefore, bytesAfter)),
          ...(reported !== undefined && { reported }),
          outcome,
          retries: (attempts.get(context) ?? 1) - 1,
          read: false,
        });
        if (table === 'sessions' && outcome === 'ok') {
          for (const write of indexWrites(before, after)) {
            requests.push({ op: 'index write', table, index: ACTIVITY.indexName, pk: write.pk, sk: write.sortValue, bytesBefore: 0, bytesAfter: 0, units: write.units, outcome: 'ok', retries: 0, read: false });
          }
        }
      }
    },
    { step: 'serialize', name: 'capacityRecorder' },
  );
  return {
    requests,
    reset: () => void (requests.length = 0),
    detach: () => {
      client.middlewareStack.remove('capacityReturn');
      client.middlewareStack.remove('capacityRecorder');
      client.middlewareStack.remove('capacityAttempts');
      shadow.destroy();
    },
  };
}
