import type { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { isConditionFailure, toStorageError } from './failures.js';

type WriteCommand = PutCommand | UpdateCommand | DeleteCommand;
type WriteOutput = { Attributes?: Record<string, unknown> };

/**
 * Sends a write whose condition may refuse it, and counts the units either way (DynamoDB
 * bills a refused write too). The output when it was applied, undefined when its condition
 * refused it; an unavailable store is thrown as StorageUnavailableError (`what` names it).
 */
export async function conditionalWrite(command: WriteCommand, what: string): Promise<WriteOutput | undefined> {
  try {
    // (The client's send is overloaded per command type; all three answer alike here.)
    const output = (await getDocumentClient().send(command as UpdateCommand)) as WriteOutput;
    return output;
  } catch (error) {
    if (!isConditionFailure(error)) throw toStorageError(error, what);
    return undefined;
  }
}
