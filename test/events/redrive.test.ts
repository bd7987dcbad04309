/**
 * The poison queue's re-drive on a real Azurite: a fan-out or delivery message the Functions host gave up on (the
 * storage kept failing) goes back in line, counted; after three times, or when it is not an events message, it stays
 * for an operator and is hidden so it cannot hold up the messages behind it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { decodeMessage, encodeMessage } from '../../shared/durable/work-queue';
import { createEvents, type Events } from '../../shared/events/events';
import { MAX_REDRIVES, redrivePoisoned } from '../../shared/events/redrive';
import { eventMessageSchema, type EventMessage } from '../../shared/events/records';
import { isolatedEventNames } from '../support/events-stack';

describe('events: putting poisoned messages back in line (Azurite)', () => {
  let azurite: Azurite;
  let events: Events;

  const poison = async (message: unknown) => {
    const { clients } = await events.backend();
    await clients.poisonQueue.sendMessage(typeof message === 'string' ? message : encodeMessage(message));
  };
  const onQueue = async (): Promise<EventMessage[]> => {
    const { clients } = await events.backend();
    const peeked = await clients.queue.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((item) => eventMessageSchema.parse(decodeMessage(item.messageText)));
  };
  const visibleInPoison = async (): Promise<number> => {
    const { clients } = await events.backend();
    return (await clients.poisonQueue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
  };

  before(async () => {
    azurite = await startAzurite();
  });
  beforeEach(() => {
    events = createEvents(
      {
        connection: { kind: 'connection-string', connectionString: azurite.connectionString },
        retry: { maxAttempts: 1, baseMs: 1, maxMs: 1 },
      },
      { names: isolatedEventNames() },
    );
  });
  after(async () => {
    await azurite.close();
  });

  it('moves a poisoned fan-out and a poisoned delivery back to the events queue, counting the re-drive', async () => {
    await poison({ kind: 'fan-out', referralId: 'r1', eventKey: 'k1', correlationId: 'c1' });
    await poison({ kind: 'deliver', subscriptionId: 's1', deliveryKey: 'd1', redrives: 1 });
    assert.deepEqual(await redrivePoisoned(events), { moved: 2, kept: 0 });
    const moved = await onQueue();
    assert.deepEqual(
      moved.map((message) => [message.kind, message.redrives]),
      [
        ['fan-out', 1],
        ['deliver', 2],
      ],
    );
    assert.equal(moved[0]?.kind === 'fan-out' ? moved[0].correlationId : undefined, 'c1');
    assert.equal(await visibleInPoison(), 0);
  });

  it(`keeps a message re-driven ${String(MAX_REDRIVES)} times, and one that is not ours, hidden for operators`, async () => {
    await poison({ kind: 'fan-out', referralId: 'r2', eventKey: 'k2', redrives: MAX_REDRIVES });
    await poison('not base64 json');
    assert.deepEqual(await redrivePoisoned(events), { moved: 0, kept: 2 });
    assert.deepEqual(await onQueue(), []);
    assert.equal(await visibleInPoison(), 0, 'hidden, so the next run reaches the messages behind them');
    const { clients } = await events.backend();
    const properties = await clients.poisonQueue.getProperties();
    assert.equal(properties.approximateMessagesCount, 2, 'still there for an operator');
  });
});
