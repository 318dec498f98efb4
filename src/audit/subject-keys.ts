import { createHmac } from 'node:crypto';

/**
 * Pseudonymous subject keys: hex HMAC-SHA256(secret, `${kind}:${normalisedValue}`).
 *
 * The audit log must say whose data was shared (DPA 2018 s.62(3)) without
 * holding the identifier itself, so it stores a keyed hash: equal identifiers
 * give equal keys (a DPO can search by subject), but without the hub secret
 * nobody can test a guessed PNC or NOMIS number against the log (a plain
 * SHA-256 of a short identifier could be brute-forced).
 *
 * Normalisation: upper-case and every whitespace character removed, so
 * "ab 12 cd" and "AB12CD" name the same person. src/messages does not yet
 * export `normaliseIdentifier(kind, value)`; when it does, this function
 * should delegate to it so that check-character rules stay in one place.
 */
export interface SubjectIdentifier {
  /** pnc, cro, nomis, crn, local-child-id, ... */
  kind: string;
  value: string;
}

export type SubjectKeyer = (identifier: SubjectIdentifier) => string;

export function normaliseIdentifierValue(value: string): string {
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
    // The kind is used as given (the storage contract): kinds are lower-case codes such as `pnc`.
    return createHmac('sha256', key).update(`${identifier.kind}:${normaliseIdentifierValue(identifier.value)}`, 'utf8').digest('hex');
  };
}
