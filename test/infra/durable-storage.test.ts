/**
 * The asynchronous mode's storage in the compiled template: the queue the trigger reads, the poison queue the
 * Functions host writes to and the operations table exist under the names the code uses, in the app's own
 * storage account, so the app never needs a role that could create them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATIONS_QUEUE, OPERATIONS_TABLE, POISON_QUEUE } from '../../shared/durable/names';
import { skipWithoutBicep } from './support/compile';
import { deployed, ofType, single } from './support/deployment';

const lastSegment = (name: string) => name.split('/').at(-1);

describe('durable storage', { skip: skipWithoutBicep() }, () => {
  it('creates the work queue and its poison queue under the names the trigger and the host use', () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const queues = ofType(deployed(), 'Microsoft.Storage/storageAccounts/queueServices/queues');
    assert.deepEqual(
      queues.map((queue) => lastSegment(queue.name)).sort(),
      [OPERATIONS_QUEUE, POISON_QUEUE].sort(),
    );
    for (const queue of queues) assert.ok(queue.id.startsWith(account.id), 'in the app storage account');
  });

  it('creates the operations table', () => {
    const table = single(deployed(), 'Microsoft.Storage/storageAccounts/tableServices/tables');
    assert.equal(lastSegment(table.name), OPERATIONS_TABLE);
  });
});
