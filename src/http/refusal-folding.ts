import type { AuditEntryInput } from '../audit/entry.js';
import type { RateDecision, RateLimiter } from './rate-limit.js';

/**
 * Folding a flood of refusals into one audit entry per window: the counting
 * shared by refused sign-ins (authentication-failures.ts) and refused
 * requests of an identified agency (refused-requests.ts).
 *
 * Every refusal is audited (DPA 2018 s.62), but whoever can send requests
 * can have them refused as fast as the network allows, and each entry is
 * kept for years. So refusals are counted in fixed windows shared by every
 * hub process (the limiter's Redis counters), in one or more buckets: up to
 * a bucket's limit each refusal gets its own entry; the first past it
 * writes one entry saying which limit was reached and until when; the rest
 * of the window write none, and are answered 429 by the caller.
 */
export interface FoldBucket {
  /** The limiter key. */
  key: string;
  /** Who the bucket counts, for the limit entry's reason ("from one network address"). */
  whose: string;
  /** The bucket's limit, from the limiter's per-window limit. */
  limit: (perWindow: number) => number;
  /** The agency the limit entry is filed against. */
  agency: string;
}

export interface FoldOver {
  bucket: FoldBucket;
  decision: RateDecision;
  limit: number;
}

/** What one refusal writes: its own entry, the limit entry of the bucket it filled, or nothing. */
export type FoldVerdict = { over?: undefined; write: 'entry' } | { over: FoldOver; write: 'limit-entry' | 'nothing' };

/**
 * Counts the refusal in each bucket in turn and says what to write. Each
 * bucket counts what would be written: the refusal's own entry while every
 * bucket is within its limit, else the one limit entry of the bucket that
 * has just reached its limit, which the later buckets must still have room
 * for. So a last bucket shared by all sources bounds every entry they can
 * write, each source's limit entry included. A bucket already past its
 * limit stops the count: nothing is written. Throws when the limiter
 * cannot count (the caller then audits as if under the limit).
 */
export async function foldVerdict(limiter: RateLimiter, buckets: readonly FoldBucket[]): Promise<FoldVerdict> {
  let over: FoldOver | undefined;
  for (const bucket of buckets) {
    const decision = await limiter.consume(bucket.key);
    const limit = bucket.limit(decision.limit);
    if (decision.count <= limit) continue;
    over = { bucket, decision, limit };
    if (decision.count > limit + 1) return { over, write: 'nothing' };
  }
  return over ? { over, write: 'limit-entry' } : { write: 'entry' };
}

/** Whole seconds until the bucket's window ends (Retry-After, RFC 9110 s.10.2.3). */
export function retryAfterSecondsOf(over: FoldOver): number {
  return Math.max(1, Math.ceil(over.decision.resetMs / 1000));
}

/** The one entry that stands for the rest of the window: the refusal's entry, saying which limit it reached. */
export function limitEntryOf(entry: AuditEntryInput, over: FoldOver, refusedCode: string, limitedCode: string, nowMs: number, what: string): { entry: AuditEntryInput; until: string } {
  const until = new Date(nowMs + over.decision.resetMs).toISOString();
  return {
    until,
    entry: {
      ...entry,
      agency: over.bucket.agency,
      outcome: limitedCode,
      reason: `More than ${over.limit} ${what} within ${Math.round(over.decision.windowMs / 1000)} s ${over.bucket.whose} (this one: ${refusedCode}); further ones are answered 429 without an entry each until ${until}.`,
    },
  };
}
