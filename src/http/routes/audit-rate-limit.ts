import type { RequestHandler } from 'express';
import { HubError } from '../../errors.js';
import { loggerOf } from '../request-context.js';
import type { RateDecision, RateLimiter } from '../rate-limit.js';
import type { AuditSink } from '../types.js';
import { dpoActor, dpoOf } from './audit-bearer.js';

/**
 * A per-DPO limit on the audit API, after the bearer token is verified (so
 * the key is the token's subject, never something the caller chose). Every
 * search, view and export writes a permanent `audit-read` entry, so one
 * token could otherwise write entries as fast as the network allows.
 *
 * Within DPO_RATE_LIMIT_PER_MINUTE each request is served (and logged as it
 * always is). The first one over the limit writes one `audit-read` entry
 * saying so and until when; it and the rest of that window are answered 429
 * RATE_LIMITED with Retry-After, without an entry each, the way refused
 * sign-ins are folded (authentication-failures.ts). If Redis cannot count,
 * the request is refused with 503: fail closed.
 */
export function dpoRateLimit(limiter: RateLimiter, audit: AuditSink, now: () => number = Date.now): RequestHandler {
  return async (req, res, next) => {
    const dpo = dpoOf(res);
    let decision: RateDecision;
    try {
      decision = await limiter.consume(`dpo:${dpo.subject}`);
    } catch {
      throw new HubError('UNAVAILABLE', 'rate limiter unavailable');
    }
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    if (decision.allowed) {
      next();
      return;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
    if (decision.count === decision.limit + 1) {
      const until = new Date(now() + decision.resetMs).toISOString();
      loggerOf(req).warn('DPO over the audit API rate limit', { event: 'dpo.rate-limited', until });
      await audit.append({
        event: 'audit-read',
        agency: dpo.scope.kind === 'agency' ? dpo.scope.agencyId : 'hub',
        actor: dpoActor(dpo),
        outcome: 'RATE_LIMITED',
        reason: `More than ${decision.limit} audit API requests within ${Math.round(decision.windowMs / 1000)} s by this DPO; further ones are answered 429 without an entry each until ${until}.`,
      });
    }
    res.setHeader('Retry-After', String(retryAfterSeconds));
    throw new HubError('RATE_LIMITED', 'too many audit API requests from this DPO; try again later', { retryAfterSeconds });
  };
}
