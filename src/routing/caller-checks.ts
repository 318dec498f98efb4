import { HubError } from '../errors.js';
import { endpointOfMessageType, isMessageType } from '../messages/index.js';
import type { AuditPort, CallerIdentity, MessageRecord, OpenedMessage, PolicyPort, RefusalPort } from './ports.js';
import { SignedEnvelopeRefused } from './signed-refusal.js';

export type EnvelopeKind = 'message' | 'query';

const ENDPOINT_OF_KIND: Record<EnvelopeKind, string> = { message: '/v1/messages', query: '/v1/queries' };

/**
 * The JWS signer must be the agency on the TLS connection: the connection
 * proves who is sending now, the signature who wrote it, and a message one
 * agency relays for another would be disclosed under the wrong sender.
 */
export function assertSignedByCaller(opened: OpenedMessage, caller: CallerIdentity, kind: EnvelopeKind): void {
  if (opened.signerAgencyId !== caller.agencyId) {
    throw new HubError('SIGNER_NOT_CALLER', `the ${kind} is signed by an agency other than the one on this connection`, {
      expected: caller.agencyId,
      signer: opened.signerAgencyId,
    });
  }
}

/**
 * A query is answered in the exchange and a message routed to recipients:
 * a type sent to the other endpoint can never be handled as its sender
 * meant, so it is refused before any decision.
 */
export function assertSentToItsEndpoint(record: MessageRecord, kind: EnvelopeKind): void {
  const expected = isMessageType(record.type) ? endpointOfMessageType(record.type) : undefined;
  if (expected !== undefined && expected !== ENDPOINT_OF_KIND[kind]) {
    throw new HubError('MESSAGE_TYPE_WRONG_ENDPOINT', `a ${record.type} is sent to ${expected}, not ${ENDPOINT_OF_KIND[kind]}`, {
      type: record.type,
      expected,
    });
  }
}

/**
 * A purpose the catalog does not define matches no rule, so every recipient
 * would be refused and the sender told only "no recipients": refused as a
 * whole instead, naming the purposes there are.
 */
export function assertPurposeInCatalog(policy: Pick<PolicyPort, 'purposeExists' | 'purposes'>, record: MessageRecord): void {
  if (!policy.purposeExists(record.purpose)) {
    throw new HubError('PURPOSE_UNKNOWN', 'the purpose is not one the catalog defines', { expected: policy.purposes() });
  }
}

/**
 * A JWS naming a certificate the hub does not know: add which certificate
 * this caller's JWS must name (its own, the one on the connection), so the
 * sender can tell a stale or wrong certificate from an unknown one.
 */
export function withExpectedSigner(error: HubError, caller: CallerIdentity): HubError {
  if (error.code !== 'JWS_SIGNER_UNKNOWN' || caller.thumbprint === undefined) return error;
  return new HubError(error.code, error.message, { ...error.details, expected: caller.thumbprint });
}

/**
 * Every refusal is logged (DPA 2018 s.62): an envelope refused before any
 * decision, whether by the body reader, the envelope or the caller checks,
 * is audited against the calling agency with its error code; one refused
 * after its signature verified also names the actor and the jti (either
 * replaced by a placeholder where it broke the rule).
 */
export async function auditRefusedEnvelope(refusals: RefusalPort, agencyId: string, kind: EnvelopeKind, error: HubError): Promise<HubError> {
  return refusals.refuse(agencyId, {
    event: 'refusal',
    agency: agencyId,
    ...(error instanceof SignedEnvelopeRefused ? error.asserted : {}),
    decision: 'not-applicable',
    outcome: error.code,
    reason: `A ${kind} from ${agencyId} was refused: ${error.code}.`,
  }, error);
}

/** Every refusal its own entry, answered with its own error: the port when no folding is wired (src/http/refused-requests.ts folds). */
export function auditEveryRefusal(audit: Pick<AuditPort, 'append'>): RefusalPort {
  return {
    async refuse(_agencyId, entry, error) {
      await audit.append(entry);
      return error;
    },
  };
}
