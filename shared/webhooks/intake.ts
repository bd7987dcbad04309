/**
 * `POST /hooks/{name}`: authenticate the delivery, turn the sender's payload into one simplified operation through
 * the named mapping, and apply it through the same facade as every other call. Nothing reaches Partner Center
 * unless the signature is right. Framework-free: the HTTP glue passes bytes, headers and ids.
 */
import { z } from 'zod';
import type { CallContext } from '../call/context';
import type { Submission } from '../durable/operations';
import {
  storageUnavailable,
  webhookMappingNotFound,
  webhookSignatureInvalid,
  webhooksMisconfigured,
  webhookUnmappable,
} from '../failures/failure-map';
import { toFieldErrors } from '../failures/field-errors';
import type { FieldError, RenderedResponse } from '../failures/problem';
import {
  CREATE_OUTCOME_HEADER,
  MEMBER_OUTCOME_HEADER,
  REGISTRATION_OUTCOME_HEADER,
  SYNC_OUTCOME_HEADER,
  type ReferralsFacade,
  type ReferralWrite,
} from '../facade/referrals-facade';
import { decodeJsonBody, parseReferralId, preferences } from '../http/request';
import { buildPatch, parseBody } from '../operations/build-patch';
import { createReferralRequestSchema, toCreateBody } from '../operations/create';
import { syncRequestSchema } from '../operations/sync';
import { simplifiedOperations } from '../operations/catalog';
import type { OperationDefinition } from '../operations/definition';
import type { PatchOperation } from '../referral/writable-paths';
import { resolveByExternalReferenceId } from '../referral-search/resolve';
import type { ReferralSearch } from '../referral-search/search';
import { evaluate as evaluateExpression, ExpressionEvaluationError, isTruthy } from './expression';
import {
  CREATE_OPERATION,
  MAPPING_NAME_PATTERN,
  type MappingCase,
  type MappingFile,
  type ReferralLocator,
  type WebhookMapping,
} from './mapping';
import { SecretUnavailableError, type SecretLookup } from './secrets';
import { UnusableSecretError, verifySignature } from './signatures';

export const webhookOutcomeSchema = z
  .object({
    outcome: z.enum(['applied', 'ignored']).meta({
      title: 'Outcome',
      description:
        'applied: the operation was sent to Partner Center; ignored: no case of the mapping applies.',
    }),
    mapping: z.string().meta({ title: 'Mapping', description: 'The mapping that handled the delivery.' }),
    operation: z.string().optional().meta({ title: 'Operation', description: 'The operation applied.' }),
    referralId: z.string().optional().meta({ title: 'Referral id', description: 'The referral updated.' }),
    reason: z.string().optional().meta({ title: 'Reason', description: 'Why the delivery was ignored.' }),
    result: z.string().optional().meta({
      title: 'Result',
      description:
        'What the operation reported, when it says more than applied: created or existing (create), unchanged or updated (sync), added or already-present (add-member), registered or already-registered (register-deal).',
    }),
  })
  .meta({ title: 'Webhook outcome', description: 'What the intake did with a delivery.' });
type WebhookOutcome = z.infer<typeof webhookOutcomeSchema>;

export interface WebhookDelivery {
  readonly mappingName: string;
  readonly body: Buffer;
  /** Lower-case header name → value. */
  readonly header: (name: string) => string | undefined;
  /** The URL a caller polls for an accepted operation; only asynchronous deliveries use it. */
  readonly statusUrl?: (operationId: string) => string;
}

export interface WebhookIntake {
  /** The body's size was checked when it was read. */
  receive(call: CallContext, delivery: WebhookDelivery): Promise<RenderedResponse>;
}

export interface WebhookIntakeDependencies {
  readonly mappings: MappingFile;
  readonly secrets: SecretLookup;
  readonly facade: ReferralsFacade;
  readonly search: ReferralSearch;
  /** Accepts a write for the asynchronous mode (`delivery: async`, or `Prefer: respond-async`). */
  readonly submit?: (call: CallContext, submission: Submission) => Promise<RenderedResponse>;
  /** Whether `submit` has storage behind it, so a preference for the asynchronous mode can be honoured. */
  readonly canSubmit?: () => boolean;
  readonly now?: () => number;
}

function json(status: number, correlationId: string, body: WebhookOutcome): RenderedResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId },
    body: JSON.stringify(body),
  };
}

/** An expression that cannot be applied to this payload is the payload's fault: a 422 naming the expression. */
function evaluate(mappingName: string, expression: string, payload: unknown): unknown {
  try {
    return evaluateExpression(expression, payload);
  } catch (error) {
    if (!(error instanceof ExpressionEvaluationError)) throw error;
    throw webhookUnmappable(
      mappingName,
      `the expression ${expression} cannot be applied to this payload (${error.reason}). Nothing was changed.`,
    );
  }
}

function chooseCase(mappingName: string, mapping: WebhookMapping, payload: unknown): MappingCase | undefined {
  return mapping.cases.find(
    (candidate) => candidate.when === undefined || isTruthy(evaluate(mappingName, candidate.when, payload)),
  );
}

/** Evaluates each field; a null result (the sender left it out) leaves the field out of the body. */
function mapFields(mappingName: string, mappingCase: MappingCase, payload: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, expression] of Object.entries(mappingCase.fields)) {
    const value = evaluate(mappingName, expression, payload);
    if (value !== null && value !== undefined) body[field] = value;
  }
  return body;
}

/**
 * The mapping a request path names. The name is checked against the mapping-name rule first and looked up as an
 * own property only, so a path such as `constructor` or `__proto__` cannot reach Object.prototype.
 */
function mappingNamed(mappings: MappingFile, name: string): WebhookMapping | undefined {
  if (!MAPPING_NAME_PATTERN.test(name) || !Object.hasOwn(mappings.mappings, name)) return undefined;
  return mappings.mappings[name];
}

/** The mapped fields checked against the operation's body schema, or a 422 naming each field and its expression. */
function validFields<S extends z.ZodType>(
  mappingName: string,
  mappingCase: MappingCase,
  schema: S,
  body: Record<string, unknown>,
): z.output<S> {
  const parsed = parseBody(schema, body);
  if (parsed.ok) return parsed.value;
  throw unmappable(mappingName, mappingCase, parsed.issues);
}

function unmappable(
  mappingName: string,
  mappingCase: MappingCase,
  issues: Parameters<typeof toFieldErrors>[0],
): Error {
  const errors = toFieldErrors(issues, 'body').map((fieldError): FieldError => {
    const field = fieldError.pointer.split('/')[1] ?? '';
    const expression = Object.hasOwn(mappingCase.fields, field) ? mappingCase.fields[field] : undefined;
    return expression === undefined
      ? fieldError
      : { ...fieldError, message: `${fieldError.message} (from ${expression})` };
  });
  return webhookUnmappable(
    mappingName,
    `the mapped fields do not fit ${mappingCase.operation}; each error names the field and the expression it came from.`,
    errors,
  );
}

/** The mapping's patch for the mapped fields, or a 422 naming each field and the expression it came from. */
function patchFor(
  mappingName: string,
  mappingCase: MappingCase,
  operation: OperationDefinition,
  body: Record<string, unknown>,
): readonly PatchOperation[] {
  const built = buildPatch(operation, body);
  if (built.ok) return built.patch;
  throw unmappable(mappingName, mappingCase, built.issues);
}

async function secretFor(secrets: SecretLookup, mapping: WebhookMapping): Promise<string> {
  let secret: string | undefined;
  try {
    secret = await secrets(mapping.auth.secretSetting);
  } catch (error) {
    if (error instanceof SecretUnavailableError) throw webhooksMisconfigured(error.message);
    throw error;
  }
  if (secret === undefined)
    throw webhooksMisconfigured(`the secret setting ${mapping.auth.secretSetting} is not set`);
  return secret;
}

/** Nothing reaches Partner Center unless the delivery is signed as the mapping requires. */
async function authenticate(
  dependencies: WebhookIntakeDependencies,
  mapping: WebhookMapping,
  delivery: WebhookDelivery,
): Promise<void> {
  const secret = await secretFor(dependencies.secrets, mapping);
  let verification;
  try {
    verification = verifySignature(mapping.auth, secret, {
      body: delivery.body,
      header: delivery.header,
      nowSeconds: Math.floor((dependencies.now ?? Date.now)() / 1000),
    });
  } catch (error) {
    if (error instanceof UnusableSecretError) {
      throw webhooksMisconfigured(`${mapping.auth.secretSetting}: ${error.message}`);
    }
    throw error;
  }
  if (!verification.ok) throw webhookSignatureInvalid(verification.reason, mapping.auth.scheme);
}

/** The referral the payload names: its Partner Center id, or the one referral carrying its CRM id. */
async function referralIdOf(
  search: ReferralSearch,
  call: CallContext,
  mappingName: string,
  locator: ReferralLocator,
  payload: unknown,
): Promise<string> {
  const expression = 'id' in locator ? locator.id : locator.externalReferenceId;
  const value = evaluate(mappingName, expression, payload);
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    throw webhookUnmappable(
      mappingName,
      `the referral expression ${expression} found no value in the payload.`,
    );
  }
  if ('externalReferenceId' in locator) return resolveByExternalReferenceId(search, call, text.trim());
  try {
    return parseReferralId(text.trim());
  } catch {
    throw webhookUnmappable(
      mappingName,
      `the referral expression ${expression} gave a value that is not a referral id.`,
    );
  }
}

function mappingFor(mappings: MappingFile, name: string): WebhookMapping {
  const mapping = mappingNamed(mappings, name);
  if (mapping) return mapping;
  throw webhookMappingNotFound(name, Object.keys(mappings.mappings).length, MAPPING_NAME_PATTERN.test(name));
}

async function receive(
  dependencies: WebhookIntakeDependencies,
  call: CallContext,
  delivery: WebhookDelivery,
): Promise<RenderedResponse> {
  const { mappingName } = delivery;
  const mapping = mappingFor(dependencies.mappings, mappingName);
  await authenticate(dependencies, mapping, delivery);
  const payload = decodeJsonBody({
    contentType: delivery.header('content-type'),
    contentEncoding: delivery.header('content-encoding'),
    bytes: delivery.body,
    inexactNumbers: 'keep-as-text',
    optional: false,
  });
  const mappingCase = chooseCase(mappingName, mapping, payload);
  // A 2xx, so the sender does not retry an event this mapping deliberately ignores.
  if (!mappingCase) return ignored(call, mappingName);
  const fields = mapFields(mappingName, mappingCase, payload);
  // The payload is checked against the mapping before any upstream call, the referral's lookup included.
  if (mappingCase.operation === CREATE_OPERATION) {
    const request = validFields(mappingName, mappingCase, createReferralRequestSchema, fields);
    const created = await dependencies.facade.create(call, {
      body: toCreateBody(request),
      ...(request.externalReferenceId === undefined
        ? {}
        : { externalReferenceId: request.externalReferenceId }),
    });
    return applied(call, mappingName, CREATE_OPERATION, created.headers[CREATE_OUTCOME_HEADER]);
  }
  if (mapping.referral === undefined) throw webhooksMisconfigured(`mapping ${mappingName} names no referral`);
  if (mappingCase.operation === 'sync') {
    const desired = validFields(mappingName, mappingCase, syncRequestSchema, fields);
    const referralId = await referralIdOf(dependencies.search, call, mappingName, mapping.referral, payload);
    call.referralId = referralId;
    const synced = await dependencies.facade.sync(call, { referralId, desired, returnRepresentation: false });
    return applied(call, mappingName, 'sync', synced.headers[SYNC_OUTCOME_HEADER]);
  }
  const operation = simplifiedOperations.find((candidate) => candidate.name === mappingCase.operation);
  if (!operation) throw webhooksMisconfigured(`unknown operation ${mappingCase.operation}`);
  const patch = patchFor(mappingName, mappingCase, operation, fields);
  const referralId = await referralIdOf(dependencies.search, call, mappingName, mapping.referral, payload);
  call.referralId = referralId;
  const write: ReferralWrite = { referralId, patch, returnRepresentation: false };
  // The mapping's `delivery: async` is a demand; a sender's `Prefer: respond-async` is honoured when it can be.
  const asynchronous =
    mapping.delivery === 'async' ||
    (preferences(delivery.header('prefer')).has('respond-async') && dependencies.canSubmit?.() === true);
  if (asynchronous) {
    return submitDelivery(
      dependencies,
      call,
      delivery,
      write,
      applied(call, mappingName, operation.name, undefined),
    );
  }
  const updated = await dependencies.facade.update(call, write);
  const result = updated.headers[MEMBER_OUTCOME_HEADER] ?? updated.headers[REGISTRATION_OUTCOME_HEADER];
  return applied(call, mappingName, operation.name, result);
}

function applied(
  call: CallContext,
  mappingName: string,
  operation: string,
  result: string | undefined,
): RenderedResponse {
  return json(200, call.correlationId, {
    outcome: 'applied',
    mapping: mappingName,
    operation,
    ...(call.referralId === undefined ? {} : { referralId: call.referralId }),
    ...(result === undefined ? {} : { result }),
  });
}

/**
 * The asynchronous delivery: accepted durably and answered 202; a redelivery with the same `webhook-id`
 * (Standard Webhooks' idempotency key) gets the same operation back instead of a second one.
 */
function submitDelivery(
  dependencies: WebhookIntakeDependencies,
  call: CallContext,
  delivery: WebhookDelivery,
  write: ReferralWrite,
  applied: RenderedResponse,
): Promise<RenderedResponse> {
  const { submit } = dependencies;
  if (!submit || !delivery.statusUrl) {
    throw storageUnavailable('this deployment has no durable storage for asynchronous deliveries');
  }
  const webhookId = delivery.header('webhook-id')?.trim();
  return submit(call, {
    route: call.route,
    write,
    ...(webhookId ? { dedupe: { scope: `hook:${delivery.mappingName}`, key: webhookId } } : {}),
    statusUrl: delivery.statusUrl,
    onSuccess: {
      status: applied.status,
      headers: applied.headers,
      ...(applied.body === undefined ? {} : { body: applied.body }),
    },
  });
}

export function createWebhookIntake(dependencies: WebhookIntakeDependencies): WebhookIntake {
  return { receive: (call, delivery) => receive(dependencies, call, delivery) };
}

const ignored = (call: CallContext, mappingName: string): RenderedResponse =>
  json(202, call.correlationId, {
    outcome: 'ignored',
    mapping: mappingName,
    reason: 'no case of the mapping applies to this payload',
  });
