/**
 * The facade's one data flow: validated request → operation → JSON Patch → relay → answer. It knows HTTP status
 * codes and headers (it is a relay) but nothing of any HTTP framework.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { buildPatch } from '../operations/build-patch';
import type { OperationDefinition } from '../operations/definition';
import { invalidRequest, toPointer, type FieldError, type RenderedResponse } from '../http/problem';
import {
  UpstreamUnreachableError,
  type PartnerCenterClient,
  type ReferralCall,
  type UpstreamReply,
} from '../upstream/client';
import { invalidUpstreamBody, unreachable, upstreamFailure } from '../upstream/failure';

export interface UpdateRequest {
  readonly referralId: string;
  readonly operation: OperationDefinition;
  /** The parsed JSON body, not yet validated. */
  readonly body: unknown;
  readonly returnRepresentation: boolean;
  readonly ifMatch?: string;
  readonly correlationId: string;
}

export interface ReadRequest {
  readonly referralId: string;
  readonly correlationId: string;
}

export interface FacadeResponse extends RenderedResponse {
  /** Partner Center's status, for the call log. */
  readonly upstreamStatus: number;
}

export interface ReferralsFacade {
  update(request: UpdateRequest): Promise<FacadeResponse>;
  get(request: ReadRequest): Promise<FacadeResponse>;
}

function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          in: 'body',
          pointer: toPointer([...issue.path, key]),
          message: 'is not a field this endpoint accepts',
        }))
      : [{ in: 'body', pointer: toPointer(issue.path), message: issue.message }],
  );
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Partner Center's ETags are quoted; the body's `eTag` property carries the quotes inside the string. */
function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/** The ETag header when the upstream sends one, else the referral body's `eTag` property. */
function etagOf(reply: UpstreamReply, referral: unknown): string | undefined {
  const header = firstHeader(reply.headers['etag']);
  if (header) return header;
  const property =
    typeof referral === 'object' && referral !== null ? (referral as { eTag?: unknown }).eTag : undefined;
  return typeof property === 'string' && property !== '' ? quoteEtag(property) : undefined;
}

function parseReferral(reply: UpstreamReply): unknown {
  try {
    return JSON.parse(reply.body) as unknown;
  } catch {
    throw invalidUpstreamBody(reply.status);
  }
}

export function createReferralsFacade(upstream: PartnerCenterClient): ReferralsFacade {
  async function relay(call: ReferralCall): Promise<UpstreamReply> {
    let reply: UpstreamReply;
    try {
      reply = await upstream.send(call);
    } catch (error) {
      if (error instanceof UpstreamUnreachableError) throw unreachable(error);
      throw error;
    }
    if (reply.status < 200 || reply.status >= 300) throw upstreamFailure(reply, call.referralId);
    return reply;
  }

  function withBody(
    reply: UpstreamReply,
    correlationId: string,
    extra: Record<string, string>,
  ): FacadeResponse {
    const referral = parseReferral(reply);
    const etag = etagOf(reply, referral);
    return {
      status: 200,
      upstreamStatus: reply.status,
      headers: {
        'Content-Type': 'application/json',
        'MS-CorrelationId': correlationId,
        ...(etag ? { ETag: etag } : {}),
        ...extra,
      },
      body: reply.body,
    };
  }

  return {
    async update(request) {
      const built = buildPatch(request.operation, request.body);
      if (!built.ok) {
        throw invalidRequest(
          `The body does not fit ${request.operation.name}; see errors for each field to fix.`,
          toFieldErrors(built.issues),
        );
      }
      const reply = await relay({
        method: 'PATCH',
        referralId: request.referralId,
        body: JSON.stringify(built.patch),
        returnRepresentation: request.returnRepresentation,
        ...(request.ifMatch === undefined ? {} : { ifMatch: request.ifMatch }),
        correlationId: request.correlationId,
        requestId: randomUUID(),
      });
      // Without the preference the contract is 204 and an empty body, whatever the upstream chose to send.
      if (request.returnRepresentation && reply.status !== 204 && reply.body.trim() !== '') {
        return withBody(reply, request.correlationId, { 'Preference-Applied': 'return=representation' });
      }
      const etag = firstHeader(reply.headers['etag']);
      return {
        status: 204,
        upstreamStatus: reply.status,
        headers: { 'MS-CorrelationId': request.correlationId, ...(etag ? { ETag: etag } : {}) },
      };
    },

    async get(request) {
      const reply = await relay({
        method: 'GET',
        referralId: request.referralId,
        correlationId: request.correlationId,
        requestId: randomUUID(),
      });
      return withBody(reply, request.correlationId, {});
    },
  };
}
