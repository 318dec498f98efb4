import type { AuditEntry } from './entry.js';

/**
 * Which search index holds an entry: the one definition, for the append
 * (src/audit/keys.ts indexKeysOf names the sorted sets) and for full
 * verification (src/audit/index-recorder.ts, also on a worker thread, which
 * is why this file imports nothing it would have to load there).
 */
export const INDEX_KINDS = ['subject', 'agency', 'actor', 'purpose', 'event', 'decision'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

/** The members of an entry that decide its search indexes. */
export type IndexedMembers = Pick<AuditEntry, 'subjectKeys' | 'agency' | 'recipients' | 'purpose' | 'event' | 'decision'> & { actor?: Pick<NonNullable<AuditEntry['actor']>, 'id'> | undefined };

/**
 * Each index an entry belongs to (besides `audit:ix:time`), as its kind and
 * value: its subjects, the acting agency and each recipient, the actor, the
 * purpose, the event and the decision. A value may come more than once (an
 * agency that is also a recipient).
 */
export function forEachIndexOf(entry: IndexedMembers, visit: (kind: IndexKind, value: string) => void): void {
  for (const subject of entry.subjectKeys) visit('subject', subject);
  visit('agency', entry.agency);
  for (const recipient of entry.recipients) visit('agency', recipient);
  if (entry.actor) visit('actor', `${entry.agency}/${entry.actor.id}`);
  if (entry.purpose) visit('purpose', entry.purpose);
  visit('event', entry.event);
  if (entry.decision) visit('decision', entry.decision);
}
