/**
 * `POST /hooks/{name}`: authenticate the delivery, turn the sender's payload into one simplified operation through
 * the named mapping, and apply it through the same facade as every other call. Nothing reaches Partner Center
 * unless the signature is right. Framework-free: the HTTP glue passes bytes, headers and ids.
 */
import { z } from 'zod';
import { decodeJsonBody, MAX_BODY_BYTES, parseReferralId, payloadTooLarge } from '../http/request';
import { ProblemError, type RenderedResponse } from '../http/problem';
import { preparePatch } from '../facade/prepare-patch';
import type { CallRecord, ReferralsFacade } from '../facade/referrals-facade';
import { simplifiedOperations } from '../operations/catalog';
import { resolveByExternalReferenceId } from '../referral-search/resolve';
import type { ReferralSearch } from '../referral-search/search';
import { evaluate as evaluateExpression, ExpressionEvaluationError, isTruthy } from './expression';
import {
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
  })
  .meta({ title: 'Webhook outcome', description: 'What the intake did with a delivery.' });
type WebhookOutcome = z.infer<typeof webhookOutcomeSchema>;

export interface WebhookDelivery {
  readonly mappingName: string;
  readonly body: Buffer;
  /** Lower-case header name → value. */
  readonly header: (name: string) => string | undefined;
  readonly correlationId: string;
  /** Receives the upstream attempts, last status and referral id, for the caller's call log. */
  readonly record?: CallRecord;
}

export interface WebhookIntake {
  receive(delivery: WebhookDelivery): Promise<RenderedResponse>;
}

export interface WebhookIntakeDependencies {
  readonly mappings: MappingFile;
  readonly secrets: SecretLookup;
  readonly facade: ReferralsFacade;
  readonly search: ReferralSearch;
  readonly now?: () => number;
}

function json(status: number, correlationId: string, body: WebhookOutcome): RenderedResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId },
    body: JSON.stringify(body),
  };
}

const unmappable = (mappingName: string, detail: string, errors: ProblemError['problem']['errors'] = []) =>
  new ProblemError({
    status: 422,
    kind: 'webhook-unmappable',
    title: 'The payload does not fit the mapping',
    detail: `Mapping ${mappingName}: ${detail}`,
    ...(errors.length > 0 ? { errors } : {}),
  });

/** The webhook configuration (mappings or their secrets) is unusable; only the webhook route is affected. */
export const misconfigured = (detail: string) =>
  new ProblemError({
    status: 503,
    kind: 'webhooks-misconfigured',
    title: 'The webhook intake is not configured',
    detail: `An operator must fix the webhook configuration: ${detail}.`,
    retryAfterSeconds: 300,
  });

/** An expression that cannot be applied to this payload is the payload's fault: a 422 naming the expression. */
function evaluate(mappingName: string, expression: string, payload: unknown): unknown {
  try {
    return evaluateExpression(expression, payload);
  } catch (error) {
    if (!(error instanceof ExpressionEvaluationError)) throw error;
    throw unmappable(
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

export function createWebhookIntake(dependencies: WebhookIntakeDependencies): WebhookIntake {
  const now = dependencies.now ?? Date.now;

  async function secretFor(mapping: WebhookMapping): Promise<string> {
    let secret: string | undefined;
    try {
      secret = await dependencies.secrets(mapping.auth.secretSetting);
    } catch (error) {
      if (error instanceof SecretUnavailableError) throw misconfigured(error.message);
      throw error;
    }
    if (secret === undefined)
      throw misconfigured(`the secret setting ${mapping.auth.secretSetting} is not set`);
    return secret;
  }

  async function referralIdOf(
    mappingName: string,
    locator: ReferralLocator,
    payload: unknown,
    correlationId: string,
    record: CallRecord | undefined,
  ): Promise<string> {
    const [expression, value] =
      'id' in locator
        ? [locator.id, evaluate(mappingName, locator.id, payload)]
        : [locator.externalReferenceId, evaluate(mappingName, locator.externalReferenceId, payload)];
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || text.trim() === '') {
      throw unmappable(mappingName, `the referral expression ${expression} found no value in the payload.`);
    }
    if ('externalReferenceId' in locator) {
      return resolveByExternalReferenceId(dependencies.search, text.trim(), correlationId, record);
    }
    try {
      return parseReferralId(text.trim());
    } catch {
      throw unmappable(
        mappingName,
        `the referral expression ${expression} gave a value that is not a referral id.`,
      );
    }
  }

  return {
    async receive(delivery) {
      const mapping = mappingNamed(dependencies.mappings, delivery.mappingName);
      if (!mapping) {
        const configured = Object.keys(dependencies.mappings.mappings);
        throw new ProblemError({
          status: 404,
          kind: 'webhook-mapping-not-found',
          title: 'No such webhook',
          detail:
            configured.length === 0
              ? 'No webhook mappings are configured: set WEBHOOK_MAPPINGS_FILE or WEBHOOK_MAPPINGS.'
              : MAPPING_NAME_PATTERN.test(delivery.mappingName)
                ? `There is no webhook mapping named "${delivery.mappingName}".`
                : 'There is no such webhook mapping: mapping names are lower-case letters, digits and hyphens.',
        });
      }
      if (delivery.body.length > MAX_BODY_BYTES) throw payloadTooLarge();

      const secret = await secretFor(mapping);
      let verification;
      try {
        verification = verifySignature(mapping.auth, secret, {
          body: delivery.body,
          header: delivery.header,
          nowSeconds: Math.floor(now() / 1000),
        });
      } catch (error) {
        if (error instanceof UnusableSecretError) {
          throw misconfigured(`${mapping.auth.secretSetting}: ${error.message}`);
        }
        throw error;
      }
      if (!verification.ok) {
        throw new ProblemError({
          status: 401,
          kind: 'webhook-signature-invalid',
          title: 'The webhook signature is not valid',
          detail: `${verification.reason}. Nothing was changed. Sign the raw body as the ${mapping.auth.scheme} scheme describes, with the secret shared for this webhook.`,
        });
      }

      const payload = decodeJsonBody({
        contentType: delivery.header('content-type'),
        text: delivery.body.toString('utf8'),
        optional: false,
      });
      const mappingCase = chooseCase(delivery.mappingName, mapping, payload);
      if (!mappingCase) {
        // A 2xx, so the sender does not retry an event this mapping deliberately ignores.
        return json(202, delivery.correlationId, {
          outcome: 'ignored',
          mapping: delivery.mappingName,
          reason: 'no case of the mapping applies to this payload',
        });
      }
      const operation = simplifiedOperations.find((candidate) => candidate.name === mappingCase.operation);
      if (!operation) throw misconfigured(`unknown operation ${mappingCase.operation}`);
      const referralId = await referralIdOf(
        delivery.mappingName,
        mapping.referral,
        payload,
        delivery.correlationId,
        delivery.record,
      );
      if (delivery.record) delivery.record.referralId = referralId;
      const body = mapFields(delivery.mappingName, mappingCase, payload);
      try {
        await dependencies.facade.update({
          referralId,
          patch: preparePatch(operation, body),
          returnRepresentation: false,
          correlationId: delivery.correlationId,
          ...(delivery.record ? { record: delivery.record } : {}),
        });
      } catch (error) {
        if (
          error instanceof ProblemError &&
          error.problem.status === 400 &&
          error.problem.kind === 'invalid-request'
        ) {
          throw unmappable(
            delivery.mappingName,
            `the mapped fields do not fit ${operation.name}; each error names the field and the expression it came from.`,
            (error.problem.errors ?? []).map((fieldError) => {
              const field = fieldError.pointer.split('/')[1] ?? '';
              const expression = Object.hasOwn(mappingCase.fields, field)
                ? mappingCase.fields[field]
                : undefined;
              return expression === undefined
                ? fieldError
                : { ...fieldError, message: `${fieldError.message} (from ${expression})` };
            }),
          );
        }
        throw error;
      }
      return json(200, delivery.correlationId, {
        outcome: 'applied',
        mapping: delivery.mappingName,
        operation: operation.name,
        referralId,
      });
    },
  };
}
