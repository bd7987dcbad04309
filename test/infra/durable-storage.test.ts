/**
 * The asynchronous mode's storage in the compiled template: the queue the trigger reads, the poison queue the
 * Functions host writes to and the operations table exist under the names the code uses, in the app's own
 * storage account, so the app never needs a role that could create them. The account holds the events' queues
 * and tables too (events-storage.test.ts); this file checks that the operations' are among them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATIONS_QUEUE, OPERATIONS_TABLE, POISON_QUEUE } from '../../shared/durable/names';
import { skipWithoutBicep } from './support/compile';
import { deployed, ofType, single } from './support/deployment';

const lastSegment = (name: string) => name.split('/').at(-1) ?? '';
const namesOf = (type: string) => new Set(ofType(deployed(), type).map((r) => lastSegment(r.name)));

describe('durable storage', { skip: skipWithoutBicep() }, () => {
  it('creates the work queue and its poison queue under the names the trigger and the host use', () => {
    const queues = namesOf('Microsoft.Storage/storageAccounts/queueServices/queues');
    for (const name of [OPERATIONS_QUEUE, POISON_QUEUE]) assert.ok(queues.has(name), `queue ${name}`);
  });

  it('creates the operations table', () => {
    const tables = namesOf('Microsoft.Storage/storageAccounts/tableServices/tables');
    assert.ok(tables.has(OPERATIONS_TABLE), `table ${OPERATIONS_TABLE}`);
  });

  it("keeps every queue and table in the app's own storage account", () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    for (const type of [
      'Microsoft.Storage/storageAccounts/queueServices/queues',
      'Microsoft.Storage/storageAccounts/tableServices/tables',
    ]) {
      for (const resource of ofType(deployed(), type)) {
        assert.ok(resource.id.startsWith(`${account.id}/`), `${resource.id} is in ${account.name}`);
      }
    }
  });
});
