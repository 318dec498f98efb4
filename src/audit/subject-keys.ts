import { createHmac } from 'node:crypto';
import { IDENTIFIER_KINDS, isValidIdentifier, normaliseIdentifier, type IdentifierKind } from '../messages/identifiers.js';

/**
 * Pseudonymous subject keys: hex HMAC-SHA256(secret, `${kind}:${normalisedValue}`).
 *
 * The audit log must say whose data was shared (DPA 2018 s.62(3)) without
 * holding the identifier itself, so it stores a keyed hash: equal identifiers
 * give equal keys (a DPO can search by subject), but without the hub secret
 * nobody can test a guessed PNC or prison number against the log (a plain
 * SHA-256 of a short identifier could be brute-forced).
 *
 * Normalisation is src/messages' `normaliseIdentifier` for the kinds it knows,
 * so "2001/12345X" and "01/0012345x" name the same person. A value those rules
 * reject (it cannot have come through a message schema) and kinds they do not
 * know fall back to upper case with all whitespace removed, the first step of
 * every identifier form, so a DPO's mistyped search finds nothing rather than
 * failing.
 */
export interface SubjectIdentifier {
  /** pnc, cro, prisonNumber, crn, localChildId, ... (src/messages IDENTIFIER_KINDS) */
  kind: string;
  value: string;
}

export type SubjectKeyer = (identifier: SubjectIdentifier) => string;

const KNOWN_KINDS: ReadonlySet<string> = new Set(IDENTIFIER_KINDS);

export function normaliseIdentifierValue(kind: string, value: string): string {
  if (KNOWN_KINDS.has(kind) && isValidIdentifier(kind as IdentifierKind, value)) {
    return normaliseIdentifier(kind as IdentifierKind, value);
  }
  return value.replace(/\s+/g, '').toUpperCase();
}

export function createSubjectKeyer(secret: Buffer): SubjectKeyer {
  if (!Buffer.isBuffer(secret) || secret.length < 32) {
    // RFC 2104 s.3: a key shorter than the hash output weakens the HMAC.
    throw new TypeError('the subject key secret must be a Buffer of at least 32 bytes');
  }
  const key = Buffer.from(secret);
  return (identifier) => {
    if (typeof identifier?.kind !== 'string' || typeof identifier.value !== 'string' || identifier.kind.length === 0) {
      throw new TypeError('a subject identifier needs a kind and a value');
    }
    // The kind is used exactly as given (the audit storage contract).
    const normalised = normaliseIdentifierValue(identifier.kind, identifier.value);
    return createHmac('sha256', key).update(`${identifier.kind}:${normalised}`, 'utf8').digest('hex');
  };
}
