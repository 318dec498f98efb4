import { z } from 'zod';
import { actorIdSchema, REFUSED_VALUE_PLACEHOLDER, tokenIdSchema } from '../messages/sender-ids.js';

/**
 * One audit entry: an act DPA 2018 s.62 names (collection, alteration,
 * consultation, disclosure, combination, erasure) or one the hub adds for
 * accountability (refusals, delivery outcomes, reads of the audit log itself,
 * policy and certificate changes).
 *
 * An entry NEVER holds a value from a record: subjects appear only as
 * pseudonymous keys (HMAC-SHA256 under a hub secret, see subject-keys.ts),
 * and fields only by their path names.
 */

export const AUDIT_EVENTS = [
  'collection', // a message or flag received (s.62(1)(a))
  'consultation', // a query answered (s.62(1)(c))
  'disclosure', // a record released to a recipient (s.62(1)(d))
  'combination', // records combined (s.62(1)(e))
  'alteration', // a flag set or cleared (s.62(1)(b))
  'erasure', // an item expired or purged (s.62(1)(f))
  'refusal', // a request or a sharing refused by policy or by validation
  'delivered', // a push delivery accepted by the recipient's endpoint
  'delivery-failed', // retries exhausted: dead letter
  'delivery-replayed', // an operator replayed a dead letter
  'collected', // a pull recipient fetched an inbox item
  'acknowledged', // a recipient acknowledged an item
  'expired', // an inbox item nobody collected in time
  'audit-read', // a DPO searched, viewed or exported the log
  'policy-loaded', // a policy set came into force (or was refused at load)
  'certificate-revoked',
  'authentication-failed', // an unknown, expired or revoked client certificate
  'key-rotated',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export const DECISIONS = ['permit', 'deny', 'not-applicable'] as const;
export type AuditDecision = (typeof DECISIONS)[number];

/** A subject key: hex HMAC-SHA256, 64 characters. */
const subjectKey = z.string().regex(/^[0-9a-f]{64}$/);
const code = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:\/#()-]+$/);
const fieldPath = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.\[\]-]+$/);
/**
 * A sender's own ids follow the rule the message schemas and the envelope
 * apply (src/messages/sender-ids.ts), so whatever the hub accepted it can
 * audit; a refused value is recorded as the placeholder.
 */
const actorId = actorIdSchema.or(z.literal(REFUSED_VALUE_PLACEHOLDER));
const tokenId = tokenIdSchema.or(z.literal(REFUSED_VALUE_PLACEHOLDER));

/** What the caller supplies; `id`, `seq` and `time` are set by the log on append. */
export const auditEntryInputSchema = z.strictObject({
  event: z.enum(AUDIT_EVENTS),
  /** The agency that acted (sender, asker, collector), or `hub` for the hub's own acts. */
  agency: code,
  /** The person at the agency, as the agency's system asserted it. */
  actor: z.strictObject({ id: actorId, role: code }).optional(),
  subjectKeys: z.array(subjectKey).max(16).default([]),
  /** DPA 2018 s.38 category. */
  subjectCategory: z.enum(['suspect', 'convicted', 'victim', 'witness', 'child-at-risk']).optional(),
  isChild: z.boolean().optional(),
  messageId: code.optional(),
  /** The envelope's `jti`. */
  correlationId: tokenId.optional(),
  messageType: code.optional(),
  purpose: code.optional(),
  legalBases: z.array(code).max(16).default([]),
  ruleIds: z.array(code).max(32).default([]),
  policyVersion: z.string().regex(/^[0-9a-f]{8,64}$/).optional(),
  decision: z.enum(DECISIONS).optional(),
  fieldsDisclosed: z.array(fieldPath).max(500).default([]),
  fieldsWithheld: z.array(fieldPath).max(500).default([]),
  recipients: z.array(code).max(64).default([]),
  /** Short machine outcome: queued, delivered, denied, an error code... */
  outcome: code.optional(),
  /** A sentence for the DPO. Built by the hub from codes and titles, never from record values. */
  reason: z.string().max(1000).optional(),
});
export type AuditEntryInput = z.input<typeof auditEntryInputSchema>;

export const auditEntrySchema = auditEntryInputSchema.extend({
  /** 0-based position in the log: the Merkle leaf index. */
  seq: z.number().int().nonnegative(),
  id: z.string().regex(/^ae_[0-9a-z]{10,40}$/),
  /** ISO 8601 UTC with milliseconds. */
  time: z.string().datetime({ offset: false }),
});
export type AuditEntry = z.output<typeof auditEntrySchema>;

/** Every member an entry may have, in RFC 8785 order (UTF-16 code units). */
const ENTRY_MEMBERS_SORTED = Object.keys(auditEntrySchema.shape).sort() as Array<keyof AuditEntry>;

/**
 * The stored entry: the validated input plus what the log assigns. Members
 * are inserted in canonical order, so canonicalJson writes them without
 * sorting (it still checks the order).
 */
export function finalEntry(input: z.output<typeof auditEntryInputSchema>, seq: number, id: string, time: string): AuditEntry {
  const assigned: Pick<AuditEntry, 'seq' | 'id' | 'time'> = { seq, id, time };
  const entry: Record<string, unknown> = {};
  for (const name of ENTRY_MEMBERS_SORTED) {
    const value = name === 'seq' || name === 'id' || name === 'time' ? assigned[name] : input[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry as AuditEntry;
}
