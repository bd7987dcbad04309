/**
 * The loop guard: every version the facade's own writes produce is noted, so the event Partner Center sends for
 * it is marked `origin: facade` and a subscriber (a CRM sync) can leave out its own echo. The facade is wrapped,
 * not changed: the note is taken from the answer's ETag, after the write, and a failure to note it never fails
 * the write (the event is then marked `partner-center`, the lenient side).
 */
import type { CallContext } from '../call/context';
import type { RenderedResponse } from '../failures/problem';
import {
  CREATE_OUTCOME_HEADER,
  MEMBER_OUTCOME_HEADER,
  REGISTRATION_OUTCOME_HEADER,
  SYNC_OUTCOME_HEADER,
  type ReferralsFacade,
} from '../facade/referrals-facade';
import type { Events } from './events';

/** Answers that wrote nothing: their ETag is someone else's version, which must not be claimed. */
const nothingWritten: Readonly<Record<string, string>> = {
  [SYNC_OUTCOME_HEADER]: 'unchanged',
  [CREATE_OUTCOME_HEADER]: 'existing',
  [MEMBER_OUTCOME_HEADER]: 'already-present',
  [REGISTRATION_OUTCOME_HEADER]: 'already-registered',
};

const wroteNothing = (answer: RenderedResponse): boolean =>
  Object.entries(nothingWritten).some(([header, outcome]) => answer.headers[header] === outcome);

function createdReferralId(answer: RenderedResponse): string | undefined {
  try {
    const body = JSON.parse(answer.body ?? '') as { id?: unknown };
    return typeof body.id === 'string' ? body.id : undefined;
  } catch {
    return undefined;
  }
}

export function markingOwnWrites(facade: ReferralsFacade, events: () => Events): ReferralsFacade {
  async function noted(
    call: CallContext,
    answer: RenderedResponse,
    referralId: string | undefined,
  ): Promise<RenderedResponse> {
    const etag = answer.headers['ETag'];
    if (answer.status >= 300 || etag === undefined || referralId === undefined || wroteNothing(answer)) {
      return answer;
    }
    try {
      const hub = events();
      await hub.guarded('noting the write', ({ store }) =>
        store.markFacadeWrite(referralId, etag, hub.now()),
      );
    } catch (error) {
      call.log.error(
        `loop guard: the write's version was not noted (${error instanceof Error ? error.name : 'error'}); its event will say origin partner-center`,
      );
    }
    return answer;
  }

  return {
    get: (call, referralId) => facade.get(call, referralId),
    update: async (call, write) => noted(call, await facade.update(call, write), write.referralId),
    sync: async (call, sync) => noted(call, await facade.sync(call, sync), sync.referralId),
    create: async (call, create) => {
      const answer = await facade.create(call, create);
      return noted(call, answer, createdReferralId(answer));
    },
  };
}
