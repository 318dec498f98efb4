import { HubError } from '../errors.js';
import { protocolCode } from '../messages/common.js';
import { auditableActorId, auditableTokenId, REFUSED_VALUE_PLACEHOLDER } from '../messages/sender-ids.js';

/** Who the refused envelope says acted, as its audit entry may hold it. */
export interface SignedAssertions {
  correlationId: string;
  actor?: { id: string; role: string };
}

/**
 * An envelope whose signature verified, refused afterwards (its jti or its
 * record broke a rule). It answers exactly as the refusal it wraps; it also
 * carries what the signer asserted (jti, actor), each value the rule refuses
 * already replaced by the placeholder, so the refusal entry still says who
 * sent what and can always be written (DPA 2018 s.62: every refusal logged).
 */
export class SignedEnvelopeRefused extends HubError {
  readonly asserted: SignedAssertions;

  constructor(refusal: HubError, claims: { jti: unknown; actor: unknown }) {
    super(refusal.code, refusal.message, refusal.details ? { ...refusal.details } : undefined);
    this.asserted = { correlationId: auditableTokenId(claims.jti), ...assertedActor(claims.actor) };
  }
}

function assertedActor(actor: unknown): Pick<SignedAssertions, 'actor'> {
  if (typeof actor !== 'object' || actor === null) return {};
  const { id, role } = actor as { id?: unknown; role?: unknown };
  return { actor: { id: auditableActorId(id), role: auditableRole(role) } };
}

/** A role is a protocol code (src/messages/record.ts). */
function auditableRole(role: unknown): string {
  return protocolCode.safeParse(role).success ? (role as string) : REFUSED_VALUE_PLACEHOLDER;
}
