import { HubError } from '../errors.js';
import type { AuditPort, CallerIdentity, OpenedMessage } from './ports.js';

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
 * is audited against the calling agency with its error code.
 */
export async function auditRefusedEnvelope(audit: Pick<AuditPort, 'append'>, agencyId: string, kind: EnvelopeKind, error: HubError): Promise<void> {
  await audit.append({
    event: 'refusal',
    agency: agencyId,
    decision: 'not-applicable',
    outcome: error.code,
    reason: `A ${kind} from ${agencyId} was refused: ${error.code}.`,
  });
}
