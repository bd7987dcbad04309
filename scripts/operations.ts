/**
 * `npm run operations -- <command>`: the operator's view of the asynchronous mode, straight on the storage
 * account (DURABLE_STORAGE, or DURABLE_STORAGE__queueServiceUri/__tableServiceUri with an identity that holds the
 * app's data roles). The same actions as the function-key endpoints under /api/operations.
 *
 *   list [failed|pending|rejected|succeeded]   operations in that state (failed by default)
 *   show <id>                                   one operation: state, attempts, last problem, outcome status
 *   retry <id>                                  put a failed operation back in line
 *   retry-all                                   retry every failed operation
 *   queue                                       the work queue's depth, oldest message age, poison count
 */
import { startCall } from '../shared/call/context';
import { loadDurableSettings } from '../shared/config';
import { createDurableOperations } from '../shared/durable/operations';
import type { ReferralsFacade } from '../shared/facade/referrals-facade';
import { ProblemError } from '../shared/failures/problem';

/** The operator tool never runs an operation: the app's worker does. */
const refuse = (): Promise<never> =>
  Promise.reject(new Error('the operator tool does not call Partner Center'));
const noFacade: ReferralsFacade = { update: refuse, get: refuse, create: refuse, sync: refuse };

async function main(args: readonly string[]): Promise<number> {
  const [command = 'list', argument] = args;
  const operations = createDurableOperations(loadDurableSettings(process.env), noFacade, 60_000);
  const call = startCall({
    correlationId: crypto.randomUUID(),
    route: 'operations-cli',
    method: 'CLI',
    log: { info: () => undefined, error: (message) => process.stderr.write(`${message}\n`) },
  });
  const statusUrl = (id: string) => `/api/operations/${id}`;
  const answer =
    command === 'list'
      ? await operations.list(
          call,
          (argument ?? 'failed') as 'failed' | 'pending' | 'rejected' | 'succeeded',
          1_000,
        )
      : command === 'show' && argument
        ? await operations.status(call, argument, statusUrl)
        : command === 'retry' && argument
          ? await operations.retry(call, argument, statusUrl)
          : command === 'retry-all'
            ? await operations.retryFailed(call)
            : command === 'queue'
              ? { status: 200, headers: {}, body: JSON.stringify(await operations.health()) }
              : undefined;
  if (!answer) {
    process.stderr.write(
      'usage: npm run operations -- list [state] | show <id> | retry <id> | retry-all | queue\n',
    );
    return 2;
  }
  process.stdout.write(
    `${JSON.stringify({ status: answer.status, ...(answer.body ? { body: JSON.parse(answer.body) as unknown } : {}) }, null, 2)}\n`,
  );
  return answer.status < 400 ? 0 : 1;
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof ProblemError ? error.problem.detail : error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
