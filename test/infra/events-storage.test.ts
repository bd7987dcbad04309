/**
 * The Partner Center events' storage in the compiled template: the events queue (sent to by the receiver and the
 * sweep, read by the fan-out's queue trigger), the poison queue the Functions host moves a failing message to, and
 * the four tables, under exactly the names the code uses (shared/events/names.ts), in the account and through the
 * connection the asynchronous mode already uses. The template makes them all, so the app needs no role that could
 * create a queue or a table, and each role it holds is scoped to the one queue or table it is for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultStorageNames } from '../../shared/durable/names';
import { defaultEventStorageNames } from '../../shared/events/names';
import type { DeployedResource } from './support/arm';
import { skipWithoutBicep } from './support/compile';
import { appSettingsOf, at, deployed, identityOf, ofType, single, text } from './support/deployment';

const queueType = 'Microsoft.Storage/storageAccounts/queueServices/queues';
const tableType = 'Microsoft.Storage/storageAccounts/tableServices/tables';

const subscription = '/subscriptions/00000000-0000-4000-8000-00000000c0de';
const builtIn = (id: string) => `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const queueReader = builtIn('19e7f393-937e-4f77-808e-94535e174168');
const queueMessageProcessor = builtIn('8a0f0c08-91a1-4084-bc3d-661d67233fed');
const queueMessageSender = builtIn('c6a89b2d-59bc-44d0-9896-0f6e12d7b80a');
const tableDataContributor = builtIn('0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3');

const { queue, poisonQueue, events, subscriptions, deliveries, state } = defaultEventStorageNames;
const eventQueues = [queue, poisonQueue];
const eventTables = [events, subscriptions, deliveries, state];

const lastSegment = (name: string) => name.split('/').at(-1) ?? '';
const named = (type: string, name: string): DeployedResource => {
  const found = ofType(deployed(), type).filter((resource) => lastSegment(resource.name) === name);
  assert.equal(found.length, 1, `one ${type} named ${name}`);
  const [resource] = found;
  assert.ok(resource);
  return resource;
};
/** The roles the app's identity holds on exactly this scope. */
const rolesOn = (scope: string) =>
  ofType(deployed(), 'Microsoft.Authorization/roleAssignments')
    .filter((assignment) => assignment.scope === scope)
    .map((assignment) => {
      assert.equal(at(assignment, 'properties.principalId'), identityOf().principalId, assignment.id);
      assert.equal(at(assignment, 'properties.principalType'), 'ServicePrincipal', assignment.id);
      return text(at(assignment, 'properties.roleDefinitionId'));
    })
    .sort();

describe('events storage', { skip: skipWithoutBicep() }, () => {
  it('creates the events queue and the poison queue the Functions host moves its failing messages to', () => {
    assert.equal(poisonQueue, `${queue}-poison`, "the host's poison queue name is the queue's plus -poison");
    for (const name of eventQueues) named(queueType, name);
  });

  it('creates the four events tables: received events, subscriptions, deliveries and the sweep state', () => {
    for (const name of eventTables) named(tableType, name);
  });

  it("creates exactly the queues and tables the code uses, the operations' and the events', nothing else", () => {
    const names = (type: string) =>
      ofType(deployed(), type)
        .map((resource) => lastSegment(resource.name))
        .sort();
    assert.deepEqual(
      names(queueType),
      [defaultStorageNames.queue, defaultStorageNames.poisonQueue, ...eventQueues].sort(),
    );
    assert.deepEqual(names(tableType), [defaultStorageNames.table, ...eventTables].sort());
  });

  it('keeps them in the account the DURABLE_STORAGE connection reaches, the one the asynchronous mode uses', () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const settings = appSettingsOf(single(deployed(), 'Microsoft.Web/sites'));
    assert.equal(
      settings.get('DURABLE_STORAGE__queueServiceUri'),
      `https://${account.name}.queue.core.windows.net/`,
    );
    assert.equal(
      settings.get('DURABLE_STORAGE__tableServiceUri'),
      `https://${account.name}.table.core.windows.net/`,
    );
    for (const name of eventQueues) {
      assert.ok(named(queueType, name).id.startsWith(`${account.id}/queueServices/default/`), name);
    }
    for (const name of eventTables) {
      assert.ok(named(tableType, name).id.startsWith(`${account.id}/tableServices/default/`), name);
    }
  });

  it('lets the app read, receive and send on each events queue, on that queue alone: the fan-out is triggered by it and the receiver and sweep send to it', () => {
    for (const name of eventQueues) {
      assert.deepEqual(
        rolesOn(named(queueType, name).id),
        [queueReader, queueMessageProcessor, queueMessageSender].sort(),
        name,
      );
    }
  });

  it('lets the app read and write the entities of each events table, on that table alone', () => {
    for (const name of eventTables) {
      assert.deepEqual(rolesOn(named(tableType, name).id), [tableDataContributor], name);
    }
  });

  it('grants no queue or table role on the account, which would reach every queue and table in it', () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const onAccount = rolesOn(account.id);
    for (const role of [queueReader, queueMessageProcessor, queueMessageSender, tableDataContributor]) {
      assert.ok(!onAccount.includes(role), role);
    }
  });
});
