/**
 * One caller's call, from the moment it enters until it is answered: made once by the handler wrapper and passed
 * as the first argument to everything below it. It is the only place a call's state lives; the call log line is
 * derived from it alone.
 */

/** Where a call's log lines go: the invocation's logger in Azure, stdout on the local host. */
export interface CallLog {
  info(message: string): void;
  error(message: string): void;
}

export interface CallContext {
  readonly correlationId: string;
  /** The route (function) name and method, for the log line. */
  readonly route: string;
  readonly method: string;
  /** performance.now() when the call entered. */
  readonly startedAt: number;
  readonly log: CallLog;
  /**
   * When the call must have its answer, on the retry layer's clock: fixed by the first upstream request, from the
   * configured deadline, and shared by every upstream request the call makes.
   */
  deadline?: number;
  /**
   * The most the call may spend upstream when that is less than the configured deadline: a sender that waits
   * only seconds for its answer (Partner Center's events) sets it before the first upstream request.
   */
  budgetMs?: number;
  /** Upstream requests actually sent (a call that got no token sent none). */
  upstreamAttempts: number;
  /** Partner Center's status on the last request it answered. */
  upstreamStatus?: number;
  /** The referral the call acted on: the route's id, or the one a webhook resolved. */
  referralId?: string;
}

export interface CallEntry {
  readonly correlationId: string;
  readonly route: string;
  readonly method: string;
  readonly log: CallLog;
  readonly referralId?: string;
}

export function startCall(entry: CallEntry): CallContext {
  return { ...entry, startedAt: performance.now(), upstreamAttempts: 0 };
}

/** The structured line every call ends with; a trigger adds what its run found (`extra`). */
export function callLogLine(
  call: CallContext,
  status: number,
  extra: Readonly<Record<string, unknown>> = {},
): string {
  return JSON.stringify({
    event: 'call',
    route: call.route,
    method: call.method,
    referralId: call.referralId,
    status,
    upstreamStatus: call.upstreamStatus,
    attempts: call.upstreamAttempts,
    durationMs: Math.round((performance.now() - call.startedAt) * 10) / 10,
    correlationId: call.correlationId,
    ...extra,
  });
}
