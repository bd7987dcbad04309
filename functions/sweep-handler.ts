/**
 * Trigger glue for the reconciliation sweep: one call context per run, the sweep, one log line with its report.
 * The Functions timer and the local host's interval run this same function.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall, type CallLog } from '../shared/call/context';
import { ConfigError, type EventSweepSettings } from '../shared/config';
import { sweep, SWEEP_MAX_REFERRALS, type SweepReport } from '../shared/events/sweep';
import { ProblemError } from '../shared/failures/problem';
import { resolveCorrelationId } from '../shared/http/request';

export const SWEEP_FUNCTION = 'events-sweep';
/** Every five minutes (NCRONTAB, seconds first): a parked notification reaches subscribers within about 7. */
export const SWEEP_SCHEDULE = '0 */5 * * * *';

export type SweepHandler = (log: CallLog) => Promise<SweepReport | undefined>;

export function createSweepHandler(
  services: ServicesResolver,
  settings: () => EventSweepSettings,
): SweepHandler {
  return async (log) => {
    const call = startCall({
      correlationId: resolveCorrelationId(undefined),
      route: SWEEP_FUNCTION,
      method: 'TIMER',
      log,
    });
    try {
      const report = await sweep(
        call,
        { events: services().events(), search: services().search, facade: services().facade },
        settings(),
      );
      log.info(callLogLine(call, 200, { sweep: report }));
      if (report.unread) {
        log.error(
          `events sweep: more than ${String(SWEEP_MAX_REFERRALS)} referrals changed since ${report.since}; changes between ${report.unread.from} and ${report.unread.to} may not have reached subscribers`,
        );
      }
      return report;
    } catch (error) {
      // A failed run changes nothing: the cursor stays, and the next run covers the same window.
      const status = error instanceof ProblemError ? error.problem.status : 500;
      const reason =
        error instanceof ProblemError
          ? error.problem.kind
          : error instanceof ConfigError
            ? `misconfigured: ${error.problems.join('; ')}`
            : error instanceof Error
              ? error.name
              : 'error';
      log.error(`events sweep failed: ${reason}`);
      log.info(callLogLine(call, status));
      return undefined;
    }
  };
}
