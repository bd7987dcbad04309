/** A call context for tests that drive the shared library directly, as the handler wrapper would make one. */
import { startCall, type CallContext } from '../../shared/call/context';

export function testCall(route = 'test', lines: string[] = []): CallContext {
  return startCall({
    correlationId: '00000000-0000-4000-8000-000000000000',
    route,
    method: 'GET',
    log: { info: (line) => lines.push(line), error: (line) => lines.push(line) },
  });
}
