import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RateLimiter } from './rate-limit.js';
import { foldVerdict, limitEntryOf, retryAfterSecondsOf, type FoldVerdict } from './refusal-folding.js';
import type { AuditSink } from './types.js';

/**
 * Refused requests of an identified agency (junk bodies, envelopes that do
 * not open, records that break their schema, a spent byte budget), folded
 * the way refused sign-ins are (refusal-folding.ts): per agency and window,
 * REFUSALS_AUDITED_PER_MINUTE get an entry each; the next writes one entry
 * saying the limit is reached and until when; it and the rest of the window
 * are answered 429 REFUSALS_LIMITED with Retry-After and the refusal's own
 * code in `details.refused`, with no entry each. The agency is known (mutual
 * TLS), so it alone is the source: its junk can never silence another's.
 */
export interface RefusedRequests {
  /** Audits `entry` (or the limit entry, or nothing) and returns the HubError to answer with: `throw await refuse(...)`. */
  refuse(agencyId: string, entry: AuditEntryInput, error: HubError): Promise<HubError>;
}

export function createRefusedRequests(deps: { limiter: RateLimiter; audit: AuditSink; logger: Logger; now?: () => number }): RefusedRequests {
  const now = deps.now ?? Date.now;

  async function verdictFor(agencyId: string): Promise<FoldVerdict> {
    try {
      return await foldVerdict(deps.limiter, [{ key: `refusals:agency:${agencyId}`, whose: `from ${agencyId}`, limit: (limit) => limit, agency: agencyId }]);
    } catch (error) {
      // Cannot count (Redis unreachable): audit as if under the limit; the append most likely fails too.
      deps.logger.warn('refused requests could not be counted', { event: 'refusals.count-failed', error });
      return { write: 'entry' };
    }
  }

  return {
    async refuse(agencyId, entry, error) {
      const verdict = await verdictFor(agencyId);
      if (!verdict.over) {
        await deps.audit.append(entry);
        return error;
      }
      if (verdict.write === 'limit-entry') {
        const limited = limitEntryOf(entry, verdict.over, error.code, 'REFUSALS_LIMITED', now(), 'refused requests');
        deps.logger.warn('refused requests over the limit', { event: 'refusals.limited', agency: agencyId, until: limited.until });
        await deps.audit.append(limited.entry);
      }
      return new HubError('REFUSALS_LIMITED', 'too many refused requests from this agency; try again later', {
        retryAfterSeconds: retryAfterSecondsOf(verdict.over),
        refused: error.code,
      });
    },
  };
}
