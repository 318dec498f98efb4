import { isIPv4, isIPv6 } from 'node:net';
import type { Request, Response } from 'express';
import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import type { HubMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { loggerOf } from './request-context.js';
import type { AuditSink } from './types.js';

/**
 * Keeps a flood of failed sign-ins from filling the audit log.
 *
 * Every refused client certificate and every refused DPO token is audited
 * (an `authentication-failed` entry), which is what a DPO reviewing access
 * needs. But anyone who can reach the port can fail to sign in, as fast as
 * the network allows, and each failure would cost an entry that is kept for
 * years. So failures are counted per network address (an IPv4 address, or
 * the /64 an IPv6 host is given: RFC 4291 s.2.5.1, RFC 7421) in a
 * fixed window shared by every hub process:
 *
 * - up to the limit, each failure is answered as before (401 and its code)
 *   and audited;
 * - the first failure over the limit writes one entry saying the limit was
 *   reached and until when, and is answered 429 AUTH_FAILURES_LIMITED with
 *   Retry-After;
 * - later failures in that window are answered the same, with no entry each,
 *   and counted in `isp_hub_authentication_failures_total{recorded="no"}`.
 *
 * Successful sign-ins are never counted, so agencies behind one proxy are
 * not limited by each other's traffic. The address is the TCP peer (the hub
 * does not believe X-Forwarded-For); behind a TLS-terminating proxy every
 * failure counts against the proxy's address.
 */
export interface AuthenticationFailures {
  /**
   * Answers a refused sign-in: audits `entry` (or the limit entry, or
   * nothing, as above) and throws the HubError to answer with. Never returns.
   */
  refuse(req: Request, res: Response, error: HubError, entry: AuditEntryInput): Promise<never>;
}

export function createAuthenticationFailures(deps: { limiter: RateLimiter; audit: AuditSink; metrics?: Pick<HubMetrics, 'authenticationFailure'>; now?: () => number }): AuthenticationFailures {
  const now = deps.now ?? Date.now;

  async function count(req: Request): Promise<{ over: number; limit: number; resetMs: number } | undefined> {
    try {
      const decision = await deps.limiter.consume(`auth-failures:${networkOf(req.socket.remoteAddress)}`);
      return { over: decision.count - decision.limit, limit: decision.limit, resetMs: decision.resetMs };
    } catch (error) {
      // Cannot count (Redis unreachable): audit as if under the limit. The append will most likely fail
      // too, and says so in the log; the caller is refused either way.
      loggerOf(req).warn('authentication failures could not be counted', { event: 'auth-failures.count-failed', error });
      return undefined;
    }
  }

  async function append(req: Request, entry: AuditEntryInput): Promise<void> {
    try {
      await deps.audit.append(entry);
    } catch (auditError) {
      // The caller is refused either way; the operator must learn the refusal went unrecorded.
      loggerOf(req).error('audit append failed for an authentication failure', { code: entry.outcome, error: auditError });
    }
  }

  return {
    async refuse(req, res, error, entry) {
      const counted = await count(req);
      if (!counted || counted.over <= 0) {
        deps.metrics?.authenticationFailure({ recorded: true });
        await append(req, entry);
        throw error;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(counted.resetMs / 1000));
      const until = new Date(now() + counted.resetMs).toISOString();
      if (counted.over === 1) {
        deps.metrics?.authenticationFailure({ recorded: true });
        await append(req, {
          ...entry,
          outcome: 'AUTH_FAILURES_LIMITED',
          reason: `More than ${counted.limit} authentication failures in a minute from one network address (this one: ${error.code}); further failures from it are answered 429 without an entry each until ${until}.`,
        });
      } else {
        deps.metrics?.authenticationFailure({ recorded: false });
      }
      res.setHeader('Retry-After', String(retryAfterSeconds));
      throw new HubError('AUTH_FAILURES_LIMITED', 'too many failed sign-ins from this network address; try again later', { retryAfterSeconds });
    },
  };
}

/** The address a failure counts against: IPv4 as it is (also when IPv4-mapped), IPv6 cut to its /64. */
export function networkOf(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(remoteAddress)) return remoteAddress;
  if (!isIPv6(remoteAddress)) return 'unknown';
  return `${expandIPv6(remoteAddress).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in (RFC 4291 s.2.2); a zone id is dropped. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.replace(/%.*$/, '').toLowerCase().split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // A trailing dotted quad (::ffff:0:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
  const written = left.length + right.length + (right.at(-1)?.includes('.') || (tail === undefined && left.at(-1)?.includes('.')) ? 1 : 0);
  const fill = Array.from({ length: 8 - written }, () => '0');
  return [...left, ...fill, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
