import { z } from 'zod';
import { HubError } from '../../errors.js';
import { actorIdSchema } from '../../messages/sender-ids.js';
import { AUDIT_EVENTS, DECISIONS } from '../entry.js';

/**
 * What a DPO may ask of the audit log, validated at the boundary. Every
 * filter is a code (agency id, purpose code, event...) except the subject
 * identifier, which is personal data: it is turned into a pseudonymous
 * subject key at once and never stored, logged or echoed.
 */

export const MAX_SEARCH_LIMIT = 500;
export const DEFAULT_SEARCH_LIMIT = 100;

const code = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:\/#()-]+$/);
const isoTime = z.string().datetime({ offset: true });

export const subjectIdentifierSchema = z.strictObject({
  /** pnc, cro, prisonNumber, crn, localChildId (src/messages IDENTIFIER_KINDS). */
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/),
  value: z.string().min(1).max(64),
});
export type SubjectIdentifier = z.infer<typeof subjectIdentifierSchema>;

const filterShape = {
  subject: subjectIdentifierSchema.optional(),
  /** Acting agency or a recipient. */
  agency: code.optional(),
  /** The person who acted, as `{ agency, id }` (index `audit:ix:actor:<agency>/<id>`). */
  actor: z.strictObject({ agency: code, id: actorIdSchema }).optional(),
  purpose: code.optional(),
  event: z.enum(AUDIT_EVENTS).optional(),
  decision: z.enum(DECISIONS).optional(),
  /** Inclusive bounds on the entry's time. */
  from: isoTime.optional(),
  to: isoTime.optional(),
};

const orderedRange = (query: { from?: string | undefined; to?: string | undefined }) =>
  !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to);
const rangeMessage = { message: '`from` must not be after `to`', path: ['from'] };

export const auditFilterSchema = z.strictObject(filterShape).refine(orderedRange, rangeMessage);
export type AuditFilter = z.input<typeof auditFilterSchema>;

export const auditSearchQuerySchema = z
  .strictObject({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
    cursor: z.string().min(1).max(200).optional(),
  })
  .refine(orderedRange, rangeMessage);
export type AuditSearchQuery = z.input<typeof auditSearchQuerySchema>;

/**
 * Which part of the log a reader may see. A scheme DPO (or the ISP owner)
 * sees everything; an agency DPO sees only entries where their agency acted
 * or received (least privilege, UK GDPR Art 5(1)(c)).
 */
export const searchScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('scheme') }),
  z.strictObject({ kind: z.literal('agency'), agencyId: code }),
]);
export type SearchScope = z.infer<typeof searchScopeSchema>;

/** The DPO doing the reading, recorded as the actor of the `audit-read` entry. */
export const dpoIdentitySchema = z.strictObject({ id: actorIdSchema, role: code });
export type DpoIdentity = z.infer<typeof dpoIdentitySchema>;

/** Parses outside input; a failure names the fields, never their values. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
  throw new HubError('BAD_REQUEST', `invalid ${what}: check ${fields.join(', ')}`, { fields });
}

const cursorSchema = z.strictObject({ before: z.number().int().nonnegative() });

/**
 * The cursor is opaque to callers: base64url (RFC 4648 s.5) of JSON naming
 * the last seq already returned or examined. The next page holds only entries
 * with a smaller seq, so pages never overlap, and entries appended meanwhile
 * (higher seqs) never shift a page.
 */
export function encodeCursor(before: number): string {
  return Buffer.from(JSON.stringify({ before }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw invalidCursor();
  return result.data.before;
}

function invalidCursor(): HubError {
  return new HubError('AUDIT_CURSOR_INVALID', 'the cursor is not one this service issued');
}
