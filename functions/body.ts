/** Reading a request body within the facade's one size limit (shared/http/body-limit). */
import { checkBodyLength, checkDeclaredLength } from '../shared/http/body-limit';
import { decodeJsonBody } from '../shared/http/request';
import type { InboundRequest } from './inbound';

/** The declared length is checked before reading, so an oversized upload is refused unread; the bytes after. */
export async function readBody(request: InboundRequest): Promise<Buffer> {
  checkDeclaredLength(request.header('content-length'));
  const body = await request.bytes();
  checkBodyLength(body.length);
  return body;
}

/** The body as JSON, by the facade's one set of rules (media type, encoding, depth, duplicate keys). */
export async function readJsonBody(request: InboundRequest, optional: boolean): Promise<unknown> {
  return decodeJsonBody({
    contentType: request.header('content-type'),
    contentEncoding: request.header('content-encoding'),
    bytes: await readBody(request),
    optional,
  });
}
