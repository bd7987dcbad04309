/**
 * Trigger glue for the reconciliation sweep: one call context per run, the poison queue's re-drive, the sweep, one
 * log line with both reports.
 * The Functions timer and the local host's interval run this same function.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall, type CallLog } from '../shared/call/context';
import { ConfigError, type EventSweepSettings } from '../shared/config';
import { MAX_REDRIVES, redrivePoisoned, type RedriveReport } from '../shared/events/redrive';
import { sweep, SWEEP_MAX_REFERRALS, type SweepReport } from '../shared/events/sweep';
import { ProblemError } from '../shared/failures/problem';
import { resolveCorrelationId } from '../shared/http/request';

export const SWEEP_FUNCTION = 'events-sweep';
/** Every five minutes (NCRONTAB, seconds first): a parked notification reaches subscribers within about 7. */
export const SWEEP_SCHEDULE = '0 */5 * * * *';

export type SweepHandler = (log: CallLog) => Promise<SweepReport | undefined>;

/** Failure → the reason the log names: a problem's kind, a setting, or an error's name (never its message). */
function reasonOf(error: unknown): string {
  if (error instanceof ProblemError) return error.problem.kind;
  if (error instanceof ConfigError) return `misconfigured: ${error.problems.join('; ')}`;
  return error instanceof Error ? error.name : 'error';
}

/** The poison queue's re-drive, on the same timer; its failure never stops the sweep. */
async function redriveQuietly(services: ServicesResolver, log: CallLog): Promise<RedriveReport | undefined> {
  try {
    const report = await redrivePoisoned(services().events());
    if (report.kept > 0) {
      log.error(
        `events: ${String(report.kept)} message(s) left in the poison queue for an operator (re-driven ${String(MAX_REDRIVES)} times already, or unreadable)`,
      );
    }
    return report;
  } catch (error) {
    log.error(`events re-drive failed: ${reasonOf(error)}`);
    return undefined;
  }
}

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
    const redrive = await redriveQuietly(services, log);
    try {
      const report = await sweep(
        call,
        { events: services().events(), search: services().search, facade: services().facade },
        settings(),
      );
      log.info(callLogLine(call, 200, { sweep: report, ...(redrive === undefined ? {} : { redrive }) }));
      if (report.unread) {
        log.error(
          `events sweep: more than ${String(SWEEP_MAX_REFERRALS)} referrals changed since ${report.since}; changes between ${report.unread.from} and ${report.unread.to} may not have reached subscribers`,
        );
      }
      return report;
    } catch (error) {
      // A failed run changes nothing: the cursor stays, and the next run covers the same window.
      const status = error instanceof ProblemError ? error.problem.status : 500;
      log.error(`events sweep failed: ${reasonOf(error)}`);
      log.info(callLogLine(call, status));
      return undefined;
    }
  };
}
