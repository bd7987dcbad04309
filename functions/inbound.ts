/**
 * What a handler reads of a call and where it logs, independent of the host that received it. The Functions
 * binding (azure-binding.ts) reads these from the library's HttpRequest and InvocationContext; the local host
 * (dev/host) reads them straight from node:http. The handlers are the same code either way.
 */
import type { CallLog } from '../shared/call/context';
import type { RenderedResponse } from '../shared/failures/problem';

export type { CallLog } from '../shared/call/context';

export interface InboundRequest {
  readonly method: string;
  /** The absolute URL the caller used. */
  readonly url: string;
  /** Route parameters, already matched by the host. */
  readonly params: Readonly<Record<string, string>>;
  /** A request header by lower-case name; repeated headers arrive joined with ", " (RFC 9110 §5.3). */
  header(name: string): string | undefined;
  /** A query parameter as the host's own query map gives it (use the URL to see repeats). */
  query(name: string): string | undefined;
  /**
   * The body, read no further than the facade's body limit (a longer one fails with the 413 problem, an upload
   * broken off with a 400); empty when there is none.
   */
  bytes(): Promise<Buffer>;
}

export type RouteHandler = (request: InboundRequest, log: CallLog) => Promise<RenderedResponse>;
