import { HubError } from '../errors.js';
import type { AuditPort, CallerIdentity, OpenedMessage, RefusalPort } from './ports.js';
import { SignedEnvelopeRefused } from './signed-refusal.js';

export type EnvelopeKind = 'message' | 'query';

/** The JWS signer must be the agency on the TLS connection, so one agency cannot send in another's name. */
export function assertSignedByCaller(opened: OpenedMessage, caller: CallerIdentity, kind: EnvelopeKind): void {
  if (opened.signerAgencyId !== caller.agencyId) {
    throw new HubError('SIGNER_NOT_CALLER', `the ${kind} is signed by an agency other than the one on this connection`);
  }
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
