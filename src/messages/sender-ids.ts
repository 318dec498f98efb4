import { z } from 'zod';

/**
 * What a sender's own identifiers may hold: the staff id of the person who
 * acted (`actor.id`) and the token id of the envelope (`jti`, RFC 7519
 * s.4.1.7). Both are written verbatim into audit entries (as `actor.id` and
 * `correlationId`), so the message schemas, the envelope's claim check and
 * the audit entry schema all use this one rule: a value the hub accepts from
 * a sender can always be audited.
 *
 * The characters are those real systems put in such ids: e-mail style staff
 * ids (`jane.doe@police`), directory names (`NORTHVALE\jdoe`, `auth0|5f3c`),
 * issuer-scoped subjects (`nv-police/demo-dpo`), UUIDs, ULIDs, URNs and
 * base64 or base64url tokens. No spaces, quotes, angle brackets or control
 * characters: an id is copied into logs, CSV exports and the console, and
 * none of those needs them.
 */
const SENDER_ID_CHARACTERS = /^[A-Za-z0-9._@+:/\\=~|#-]+$/;
const OUTSIDE_SENDER_ID = /[^A-Za-z0-9._@+:/\\=~|#-]/g;
const EXPECTED = 'letters, digits and . _ @ + : / \\ = ~ | # -';

export const ACTOR_ID_MAX_LENGTH = 128;
export const TOKEN_ID_MAX_LENGTH = 256;

/** A staff id as the sending agency's system asserts it. */
export const actorIdSchema = z.string().min(1).max(ACTOR_ID_MAX_LENGTH).regex(SENDER_ID_CHARACTERS, `expected a staff id of ${EXPECTED}`);

/** An envelope's `jti`. */
export const tokenIdSchema = z.string().min(1).max(TOKEN_ID_MAX_LENGTH).regex(SENDER_ID_CHARACTERS, `expected a token id of ${EXPECTED}`);

/** What `details.expected` says about a refused id. */
export const SENDER_ID_EXPECTED = { characters: EXPECTED, maxLength: { actorId: ACTOR_ID_MAX_LENGTH, jti: TOKEN_ID_MAX_LENGTH } } as const;

/**
 * Stands in the audit log for a sender's value the hub refused, so that the
 * refusal is recorded without the value (it may be hostile, or personal
 * data typed into the wrong field). The brackets are outside the rule above,
 * so the placeholder can never be mistaken for a real id.
 */
export const REFUSED_VALUE_PLACEHOLDER = '(refused-value)';

/**
 * An actor id made from an identity the hub itself vouches for (a DPO's
 * token subject): each character outside the rule becomes `-`.
 */
export function actorIdFrom(text: string, fallback: string): string {
  return text.replace(OUTSIDE_SENDER_ID, '-').slice(0, ACTOR_ID_MAX_LENGTH) || fallback;
}

/** The value if the rule holds for it, else the placeholder. */
export function auditableActorId(value: unknown): string {
  return actorIdSchema.safeParse(value).success ? (value as string) : REFUSED_VALUE_PLACEHOLDER;
}

export function auditableTokenId(value: unknown): string {
  return tokenIdSchema.safeParse(value).success ? (value as string) : REFUSED_VALUE_PLACEHOLDER;
}
