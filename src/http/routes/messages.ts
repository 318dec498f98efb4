import type { RequestHandler } from 'express';
import { z } from 'zod';
import { HubError } from '../../errors.js';
import type { IntakeAnswer } from '../../routing/intake.js';
import type { QueryAnswer } from '../../routing/query.js';
import type { CallerIdentity } from '../../routing/ports.js';
import { auditEveryRefusal, auditRefusedEnvelope } from '../../routing/caller-checks.js';
import type { RefusalPort } from '../../routing/ports.js';
import type { ByteBudget } from '../byte-budget.js';
import { claimsContractTable, type ClaimsContractSettings } from '../../envelope/index.js';
import { MESSAGE_TYPES, QUERY_MESSAGE_TYPES, type MessageType } from '../../messages/index.js';
import { agencyRouteErrors, errorBodySchema } from '../openapi.js';
import { registerWireSchemas, sealedBodySchema } from '../wire-schemas.js';
import { agencyOf } from '../identity.js';
import type { RouteDeps, RouteModule } from '../types.js';

/** What the message routes call: the routing use cases, bound to the hub's parts. */
export interface MessageUseCases {
  accept(caller: CallerIdentity, compact: string): Promise<IntakeAnswer>;
  query(caller: CallerIdentity, compact: string): Promise<QueryAnswer>;
  track(agencyId: string, messageId: string): Promise<unknown>;
}

export const intakeAnswerSchema = z.object({
  id: z.string(),
  recipients: z.array(
    z.union([
      z.object({ agency: z.string(), status: z.literal('queued') }),
      z.object({ agency: z.string(), status: z.literal('denied'), rule: z.string().nullable(), reason: z.string() }),
    ]),
  ),
});

/** GET /v1/messages/{id}: one row per recipient, never a record value. */
export const trackingSchema = z.object({
  messageId: z.string(),
  sender: z.string(),
  acceptedAt: z.string(),
  recipients: z.array(
    z.object({
      agencyId: z.string(),
      state: z.enum(['queued', 'delivered', 'collected', 'acknowledged', 'denied', 'undeliverable']),
      updatedAt: z.string().meta({ description: 'Time of the last change of state' }),
      ruleIds: z.array(z.string()).optional().meta({ description: 'For denied: the deciding rules' }),
      reason: z.string().optional().meta({ description: 'For denied and undeliverable: a sentence without record values' }),
      attempts: z.number().int().meta({ description: 'Push attempts so far; pull deliveries make none' }),
      lastAttemptAt: z.string().optional().meta({ description: 'Time of the last push attempt' }),
      lastFailure: z.string().optional().meta({ description: 'Code of the last failed push: http-<status>, timeout, connection-refused, connection-reset, dns, tls-untrusted-certificate, tls-wrong-identity, tls-certificate-expired, tls-client-certificate-refused, tls, network-error, bad-url' }),
    }),
  ),
});

const queryAnswerSchema = z.object({ id: z.string(), answer: z.string().meta({ description: 'compact JWE sealed to the asker' }) });
const messageIdParams = z.object({ id: z.string().regex(/^msg_[0-9a-z]{10,40}$/) });
/** A sealed body of one of `types`, with the claims contract it must meet (docs/envelope.md). */
function sealedBody(types: readonly MessageType[], settings: ClaimsContractSettings) {
  return {
    contentType: 'application/jose',
    jsonSchema: sealedBodySchema(types),
    description: `A compact JWE (ECDH-ES+A256KW or RSA-OAEP-256, A256GCM) sealed to the hub's encryption key, whose plaintext is a compact JWS (ES256, EdDSA or PS256) signed with the agency's key, whose payload is the message fields and these claims:\n\n${claimsContractTable(settings)}`,
  };
}
const messageTypes = MESSAGE_TYPES.filter((type) => !(QUERY_MESSAGE_TYPES as readonly string[]).includes(type));
const errors = {
  400: { description: 'Malformed envelope or claims', schema: errorBodySchema },
  ...agencyRouteErrors,
  403: { description: 'Signed by an agency other than the caller', schema: errorBodySchema },
  409: { description: 'jti already used for other bytes', schema: errorBodySchema },
  413: { description: 'Envelope too large', schema: errorBodySchema },
  429: {
    description:
      'RATE_LIMITED; AUTH_FAILURES_LIMITED; SEND_BUDGET_EXCEEDED (bytes sent this window over SEND_MB_PER_MINUTE); INBOX_FULL (a pull recipient holds its quota; nothing was sent); REFUSALS_LIMITED (too many refused requests this window; details.refused holds the refusal it stands for). Retry-After',
    schema: errorBodySchema,
  },
  422: {
    description: 'MESSAGE_INVALID, SUBJECT_IDENTIFIER_INVALID, MESSAGE_TYPE_UNKNOWN, PURPOSE_UNKNOWN, RECIPIENT_UNKNOWN, or MESSAGE_TYPE_WRONG_ENDPOINT (a query sent as a message, or the reverse)',
    schema: errorBodySchema,
  },
  503: { description: 'UNAVAILABLE: the hub could not make the answer durable (Redis unreachable, or fewer replicas than REDIS_MIN_REPLICAS_ACK acknowledged in time); send the same bytes again', schema: errorBodySchema },
};

export interface MessageRouteLimits {
  /** Folds a flood of refused envelopes into one entry per window (src/http/refused-requests.ts); default: an entry each. */
  refusals?: RefusalPort;
  /** Bytes of envelopes per agency per window (byte-budget.ts); default: none. */
  sendBudget?: ByteBudget;
}

export function messageRoutes(useCases: MessageUseCases, contract: ClaimsContractSettings, limits: MessageRouteLimits = {}): RouteModule {
  return (router, deps) => {
    registerWireSchemas(deps.registerSchema, contract);
    const readEnvelope = auditedEnvelopeReader(deps, limits);
    router.post('/v1/messages', readEnvelope('message'), async (req, res) => {
      const answer = await useCases.accept(agencyOf(req), req.body as string);
      res.status(202).json(answer);
    });
    deps.registerOperation({
      method: 'post',
      path: '/v1/messages',
      summary: 'Send a sealed message; the hub decides, minimises, audits and queues it per recipient',
      request: { body: sealedBody(messageTypes, contract) },
      responses: { 202: { description: 'Accepted: per-recipient queued or denied', schema: intakeAnswerSchema }, ...errors },
    });

    router.post('/v1/queries', readEnvelope('query'), async (req, res) => {
      res.status(200).json(await useCases.query(agencyOf(req), req.body as string));
    });
    deps.registerOperation({
      method: 'post',
      path: '/v1/queries',
      summary: 'Ask the flag register about a subject; the answer is sealed to the asker',
      request: { body: sealedBody(QUERY_MESSAGE_TYPES, contract) },
      responses: { 200: { description: 'The sealed answer', schema: queryAnswerSchema }, ...errors },
    });

    router.get('/v1/messages/:id', async (req, res) => {
      const params = messageIdParams.safeParse(req.params);
      // A malformed id names no message: the same 404 as someone else's message.
      if (!params.success) throw new HubError('NOT_FOUND', 'no such message');
      res.json(await useCases.track(agencyOf(req).agencyId, params.data.id));
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/messages/:id',
      summary: "Tracking: each recipient's state, shown only to the sender",
      request: { params: messageIdParams },
      responses: { 200: { description: 'Per-recipient states, attempts and the last failure (docs/webhooks.md)', schema: trackingSchema }, 404: { description: 'No such message for this agency', schema: errorBodySchema } },
    });
  };
}

/**
 * The envelope body reader, with its refusals (too large, wrong media type,
 * cut short, not UTF-8) audited against the calling agency exactly as the
 * use cases audit a refused envelope: every refusal is logged (DPA 2018
 * s.62), and an agency that keeps sending oversized envelopes is visible to
 * the DPO, not only to the operational log.
 */
function auditedEnvelopeReader(deps: RouteDeps, limits: MessageRouteLimits): (what: 'message' | 'query') => RequestHandler {
  const refusals = limits.refusals ?? auditEveryRefusal(deps.audit);
  return (what) => async (req, res, next) => {
    let read = false;
    const { agencyId } = agencyOf(req);
    try {
      await deps.body.jose(req, res, () => void (read = true));
      // Counted once read: the body's real length, whatever Content-Length said.
      if (read) await limits.sendBudget?.spend(agencyId, Buffer.byteLength(req.body as string));
    } catch (error) {
      if (error instanceof HubError) throw await auditRefusedEnvelope(refusals, agencyId, what, error);
      throw error;
    }
    if (read) next();
  };
}
