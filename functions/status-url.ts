import type { InboundRequest } from './inbound';
import { API_PREFIX } from './routes';

/**
 * Where a caller polls an operation: absolute, on the host the caller used (Power Automate follows it as
 * given), carrying the function key when the caller sent it as `?code=`, since the poll needs it too.
 */
export function statusUrlFor(request: InboundRequest): (operationId: string) => string {
  const url = new URL(request.url);
  const code = url.searchParams.get('code');
  return (operationId) =>
    `${url.origin}${API_PREFIX}operations/${encodeURIComponent(operationId)}${
      code === null ? '' : `?code=${encodeURIComponent(code)}`
    }`;
}
