/**
 * The parts under the receiver: Partner Center's notification read leniently, and the event store's promise that
 * one change is stored once (by its notification's key, or by the referral version it carries), on a real Azurite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { createEvents, type Events } from '../../shared/events/events';
import { eventStorageNamesFor } from '../../shared/events/names';
import { parseNotification, referralIdOfResource } from '../../shared/events/notification';
import { eventKeyOf, versionKeyOf, type ReferralEvent } from '../../shared/events/records';
import { ProblemError } from '../../shared/failures/problem';

const ID = '6a3b9c1e-0d2f-4e5a-9b8c-7d6e5f4a3b2c';

const problemKind = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof ProblemError ? error.problem.kind : 'not a problem';
  }
};

describe("Partner Center's notification", () => {
  it('takes the id after referrals/ from the events host, whose path differs from the referrals API', () => {
    assert.equal(
      referralIdOfResource(`https://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`),
      ID,
    );
    assert.equal(
      referralIdOfResource(`https://api.partner.microsoft.com/v1.0/engagements/referrals/${ID}/`),
      ID,
    );
    assert.equal(referralIdOfResource(`/engagements/v1/Referrals/${ID}?x=1`), ID);
    assert.equal(
      referralIdOfResource('https://api.partnercenter.microsoft.com/engagements/v1/referrals'),
      undefined,
    );
  });

  it('reads the documented payload, and property names in any case', () => {
    assert.deepEqual(
      parseNotification(
        JSON.stringify({
          EventName: 'referral-updated',
          ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`,
          ResourceName: 'referral',
          AuditUri: null,
          ResourceChangeUtcDate: '2026-11-30T10:15:00.000Z',
        }),
      ),
      { eventName: 'referral-updated', referralId: ID, changedAt: '2026-11-30T10:15:00.000Z' },
    );
    assert.deepEqual(
      parseNotification(
        JSON.stringify({ eventName: 'Referral-Created', resourceUri: `/referrals/${ID}`, extra: { a: 1 } }),
      ),
      { eventName: 'referral-created', referralId: ID },
    );
  });

  it('refuses what is not a notification: not JSON, not an object, no EventName, a ResourceUri naming no referral', () => {
    assert.equal(
      problemKind(() => parseNotification('not json')),
      'event-invalid',
    );
    assert.equal(
      problemKind(() => parseNotification('[1]')),
      'event-invalid',
    );
    assert.equal(
      problemKind(() => parseNotification('{"ResourceUri":"x/referrals/1"}')),
      'event-invalid',
    );
    assert.equal(
      problemKind(() =>
        parseNotification('{"EventName":"referral-updated","ResourceUri":"/referrals/a%20b"}'),
      ),
      'event-invalid',
    );
  });
});

describe('the event store (Azurite)', () => {
  let azurite: Azurite;
  let events: Events;

  const eventFor = (
    key: string,
    etag: string | undefined,
    referral: ReferralEvent['referral'] = { id: ID },
  ) =>
    ({
      id: key,
      type: 'referral-updated',
      referralId: ID,
      changedAt: '2026-11-30T10:15:00.000Z',
      receivedAt: '2026-11-30T10:15:01.000Z',
      origin: 'partner-center',
      detectedBy: 'event',
      ...(etag === undefined ? {} : { etag }),
      referral,
    }) satisfies ReferralEvent;

  before(async () => {
    azurite = await startAzurite();
    events = createEvents(
      {
        connection: { kind: 'connection-string', connectionString: azurite.connectionString },
        retry: { maxAttempts: 1, baseMs: 1, maxMs: 1 },
      },
      { names: eventStorageNamesFor(`s${randomBytes(5).toString('hex')}`) },
    );
  });
  after(async () => {
    await azurite.close();
  });

  it('stores a change once: the same key twice, or another key for a version already announced, is a duplicate', async () => {
    const { store } = await events.backend();
    const key = eventKeyOf('referral-updated', ID, '2026-11-30T10:15:00.000Z');
    assert.equal(await store.record(eventFor(key, '"v1"')), 'recorded');
    assert.equal(await store.record(eventFor(key, '"v1"')), 'duplicate');
    assert.equal(
      await store.record(eventFor('another-key-for-v1', 'W/"v1"')),
      'duplicate',
      'weak and strong name one version',
    );
    assert.equal(
      await store.find(ID, 'another-key-for-v1'),
      undefined,
      'nothing of the refused one was written',
    );
    assert.equal(
      await store.announced(ID, 'referral-updated', 'partner-center', 'v1'),
      key,
      'the version names the stored event',
    );
    assert.equal(await store.announced(ID, 'referral-updated', 'partner-center', '"v2"'), undefined);
    assert.equal(
      await store.announced(ID, 'referral-created', 'partner-center', '"v1"'),
      undefined,
      'a referral-created for the version is another event: its trigger must still fire',
    );
    assert.equal(
      await store.announced(ID, 'referral-updated', 'facade', '"v1"'),
      undefined,
      "the facade's own change of a version is another event than someone else's",
    );
    assert.equal(await store.record(eventFor('key-for-v2', '"v2"')), 'recorded');
  });

  it('keeps a referral larger than one table property, and reads it back whole', async () => {
    const { store } = await events.backend();
    const notes = 'n'.repeat(100_000);
    assert.equal(await store.record(eventFor('big', '"big"', { id: ID, details: { notes } })), 'recorded');
    const found = await store.find(ID, 'big');
    assert.equal((found?.referral['details'] as { notes: string }).notes, notes);
  });

  it('knows whether a stored event was fanned out', async () => {
    const { store } = await events.backend();
    assert.equal(await store.record(eventFor('fan', '"fan"')), 'recorded');
    assert.equal(await store.fanOutState(ID, 'fan'), 'pending');
    await store.markFannedOut(ID, 'fan');
    assert.equal(await store.fanOutState(ID, 'fan'), 'done');
    assert.equal(await store.fanOutState(ID, 'never-stored'), 'absent');
  });

  it('names a version the same whether its ETag is quoted, weak or bare', () => {
    assert.equal(versionKeyOf('"abc"'), versionKeyOf('abc'));
    assert.equal(versionKeyOf('W/"abc"'), versionKeyOf('abc'));
    assert.notEqual(versionKeyOf('"abc"'), versionKeyOf('"abd"'));
  });
});
