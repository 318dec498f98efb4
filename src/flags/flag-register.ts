import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AuditEntryInput } from '../audit/entry.js';
import { keyspace } from '../redis/index.js';
import { APPLY_CHANGES_ONCE } from './apply-changes-script.js';
import type { FlagCipher } from './flag-cipher.js';
import { reviewDeadline } from './review-date.js';

/**
 * The risk-flag register. Flags are stored per
 * pseudonymous subject key, never per name; values are encrypted at rest.
 * Each flag has a review date: past it the flag is erased and the erasure is
 * logged (DPA 2018 s.62(1)(f); retention limited as Part 3, s.39 requires).
 *
 * Layout (under the `{hash tag}` prefix):
 *   flags:s:<subjectKey>   HASH  "<holder>|<opaque code>" -> AES-GCM sealed FlagRecord
 *   flags:review           ZSET  "<subjectKey>|<holder>|<opaque code>" scored by review deadline (ms)
 *   flags:applied:<msg id> STRING once-marker: that message's changes are applied (apply-changes-script.ts)
 * The flag code itself appears only inside the ciphertext.
 */

export const FLAG_LEVELS = ['low', 'medium', 'high'] as const;

const flagRecordSchema = z.strictObject({
  code: z.string(),
  level: z.enum(FLAG_LEVELS),
  reviewDate: z.string(),
  note: z.string().optional(),
  setAt: z.string(),
  holder: z.string(),
  /**
   * The holder's view of the subject when the flag was set: whether they were
   * a child, and their DPA 2018 s.38 category. A query is answered under the
   * more protective of this and the asker's own claim (routing/query.ts), so
   * an asker cannot unlock a child's flags by giving an adult's date of birth.
   * Absent on flags set before the register kept it.
   */
  concernsChild: z.boolean().optional(),
  subjectCategory: z.string().optional(),
});
export type FlagRecord = z.infer<typeof flagRecordSchema>;

export type FlagChange =
  | { action: 'set'; code: string; level: (typeof FLAG_LEVELS)[number]; reviewDate: string; note?: string }
  | { action: 'clear'; code: string };

export interface AuditSink {
  append(input: AuditEntryInput): Promise<unknown>;
  /** Stores the entries whole or not at all; with `once`, at most once for that key (a retry writes nothing again). */
  appendMany(inputs: AuditEntryInput[], options?: { once?: string }): Promise<unknown>;
}

/** What the audit entries of a change carry about why it was lawful. */
export interface FlagChangeContext {
  holder: string;
  actor?: { id: string; role: string };
  /** The message that carries the changes: they are applied, and their alteration entries written, once per message. */
  messageId: string;
  purpose?: string;
  legalBases?: string[];
  ruleIds?: string[];
  policyVersion?: string;
  isChild?: boolean;
  /** The subject's category in the update that set the flag (kept with it, see FlagRecord). */
  subjectCategory?: string;
}

export interface FlagRegister {
  apply(subjectKeys: string[], changes: FlagChange[], context: FlagChangeContext): Promise<void>;
  lookup(subjectKeys: string[], codes?: readonly string[]): Promise<FlagRecord[]>;
  /** Erases every flag whose review date has passed; returns how many. Safe to run in many processes at once. */
  expireDue(now?: Date): Promise<number>;
}

export interface FlagRegisterDeps {
  redis: Redis;
  prefix: string;
  cipher: FlagCipher;
  audit: AuditSink;
  clock?: () => Date;
  /** How long a message's once-marker is kept: as long as its idempotency record (REPLAY_WINDOW_SECONDS). */
  onceSeconds: number;
}

export function createFlagRegister(deps: FlagRegisterDeps): FlagRegister {
  const key = keyspace(deps.prefix);
  const clock = deps.clock ?? (() => new Date());
  const subjectHash = (subjectKey: string) => key('flags', 's', subjectKey);
  const reviewIndex = key('flags', 'review');
  const appliedMarker = (messageId: string) => key('flags', 'applied', messageId);

  /** The change as the apply script takes it: action, hash field, review slot, sealed record, review deadline. */
  function scriptArgs(subjectKey: string, change: FlagChange, context: FlagChangeContext): string[] {
    const field = `${context.holder}|${deps.cipher.opaqueName(change.code)}`;
    const slot = `${subjectKey}|${field}`;
    if (change.action === 'clear') return ['clear', field, slot, '', ''];
    const record: FlagRecord = {
      code: change.code,
      level: change.level,
      reviewDate: change.reviewDate,
      ...(change.note ? { note: change.note } : {}),
      setAt: clock().toISOString(),
      holder: context.holder,
      ...(context.isChild !== undefined ? { concernsChild: context.isChild } : {}),
      ...(context.subjectCategory !== undefined ? { subjectCategory: context.subjectCategory } : {}),
    };
    return ['set', field, slot, deps.cipher.encrypt(JSON.stringify(record), slot), String(reviewDeadline(change.reviewDate))];
  }

  /** One alteration entry per change (s.62(1)(b)); field names only, never the note or level. */
  function alterationEntry(subjectKeys: string[], change: FlagChange, context: FlagChangeContext): AuditEntryInput {
    return {
      event: 'alteration',
      agency: context.holder,
      ...(context.actor ? { actor: context.actor } : {}),
      subjectKeys,
      ...(context.isChild !== undefined ? { isChild: context.isChild } : {}),
      messageId: context.messageId,
      messageType: 'risk-flag-update',
      ...(context.purpose ? { purpose: context.purpose } : {}),
      legalBases: context.legalBases ?? [],
      ruleIds: context.ruleIds ?? [],
      ...(context.policyVersion ? { policyVersion: context.policyVersion } : {}),
      outcome: change.action === 'set' ? 'flag-set' : 'flag-cleared',
      // The flag code is record content, so the entry names only the act.
      reason: `A risk flag was ${change.action === 'set' ? 'set' : 'cleared'} by ${context.holder}.`,
    };
  }

  return {
    async apply(subjectKeys, changes, context) {
      // The alteration is logged before the register changes, so no query can
      // find a flag whose setting the log does not yet show (a retry after a
      // failure between the two logs nothing twice: the once-key, and
      // changes nothing twice: the applied marker).
      const entries = changes.map((change) => alterationEntry(subjectKeys, change, context));
      await deps.audit.appendMany(entries, { once: `${context.messageId}:alteration` });
      const steps = subjectKeys.flatMap((subjectKey) => changes.map((change) => ({ subjectKey, change })));
      await APPLY_CHANGES_ONCE.run(
        deps.redis,
        [appliedMarker(context.messageId), reviewIndex, ...steps.map(({ subjectKey }) => subjectHash(subjectKey))],
        [deps.onceSeconds, ...steps.flatMap(({ subjectKey, change }) => scriptArgs(subjectKey, change, context))],
      );
    },

    async lookup(subjectKeys, codes) {
      const found = new Map<string, FlagRecord>();
      const now = clock();
      for (const subjectKey of subjectKeys) {
        const stored = await deps.redis.hgetall(subjectHash(subjectKey));
        for (const [field, sealed] of Object.entries(stored)) {
          const record = flagRecordSchema.parse(JSON.parse(deps.cipher.decrypt(sealed, `${subjectKey}|${field}`)));
          if (codes && !codes.includes(record.code)) continue;
          // A flag past review is not an answer even before the sweeper erases it.
          if (reviewDeadline(record.reviewDate) <= now.getTime()) continue;
          found.set(field, record);
        }
      }
      return [...found.values()].sort((a, b) => a.holder.localeCompare(b.holder) || a.code.localeCompare(b.code));
    },

    async expireDue(now = clock()) {
      const due = await deps.redis.zrangebyscore(reviewIndex, '-inf', now.getTime());
      let erased = 0;
      for (const slot of due) {
        // ZREM decides which process owns this erasure, so each is logged once.
        if ((await deps.redis.zrem(reviewIndex, slot)) !== 1) continue;
        const [subjectKey, holder, opaqueCode] = slot.split('|') as [string, string, string];
        await deps.redis.hdel(subjectHash(subjectKey), `${holder}|${opaqueCode}`);
        await deps.audit.append({
          event: 'erasure',
          agency: 'hub',
          subjectKeys: [subjectKey],
          recipients: [holder],
          outcome: 'flag-expired',
          reason: `A risk flag held by ${holder} passed its review date and was erased.`,
        });
        erased += 1;
      }
      return erased;
    },
  };
}
