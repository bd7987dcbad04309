/**
 * The one limit on request bodies, checked on the declared length before reading (so an oversized upload is
 * refused without buffering it) and on the bytes read.
 */
import { payloadTooLarge } from '../failures/failure-map';

export const MAX_BODY_BYTES = 64 * 1024;

export const isDeclaredTooLarge = (contentLength: string | null | undefined): boolean =>
  contentLength !== undefined && contentLength !== null && Number(contentLength) > MAX_BODY_BYTES;

export function checkDeclaredLength(contentLength: string | null | undefined): void {
  if (isDeclaredTooLarge(contentLength)) throw payloadTooLarge(MAX_BODY_BYTES);
}

export function checkBodyLength(byteLength: number): void {
  if (byteLength > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
}
