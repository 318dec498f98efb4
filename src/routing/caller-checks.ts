import { HubError } from '../errors.js';
import type { AuditPort, CallerIdentity, OpenedMessage } from './ports.js';
import { SignedEnvelopeRefused } from './signed-refusal.js';

export type EnvelopeKind = 'message' | 'query';

/** The JWS signer must be the agency on the TLS connection (DESIGN.md "The flow of one message", step 2). */
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
export async function auditRefusedEnvelope(audit: Pick<AuditPort, 'append'>, agencyId: string, kind: EnvelopeKind, error: HubError): Promise<void> {
  await audit.append({
    event: 'refusal',
    agency: agencyId,
    ...(error instanceof SignedEnvelopeRefused ? error.asserted : {}),
    decision: 'not-applicable',
    outcome: error.code,
    reason: `A ${kind} from ${agencyId} was refused: ${error.code}.`,
  });
}
