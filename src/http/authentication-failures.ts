import { isIPv4, isIPv6 } from 'node:net';
import type { Request, Response } from 'express';
import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import type { HubMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { foldVerdict, limitEntryOf, retryAfterSecondsOf, type FoldBucket, type FoldVerdict } from './refusal-folding.js';
import { loggerOf } from './request-context.js';
import type { AuditSink } from './types.js';

/**
 * Bounds what a flood of failed sign-ins can write to the audit log.
 *
 * Every refused client certificate and every refused DPO token is audited
 * (an `authentication-failed` entry), which is what a DPO reviewing access
 * needs. But anyone who can reach the port can fail to sign in, as fast as
 * the network allows, and each failure would cost an entry kept for years.
 * So refusals are counted in fixed windows shared by every hub process:
 *
 * - a refusal of a certificate the scheme CA issued (expired, revoked, wrong
 *   usage: it names a real agency) counts against that agency alone, so
 *   junk from elsewhere can never silence the entries a DPO most needs;
 * - any other refusal counts against the caller's network address (an IPv4
 *   address, or the /64 an IPv6 host is given: RFC 4291 s.2.5.1, RFC 7421)
 *   and against all addresses together (ten times the limit), so neither one
 *   host nor many can write more than that: the bucket for all addresses
 *   counts each address's limit entry too.
 *
 * Up to the limit each refusal is answered as before (401 and its code) and
 * audited. The first one over it writes one entry saying which limit was
 * reached and until when; it and the rest of that window are answered 429
 * AUTH_FAILURES_LIMITED with Retry-After, the refusal's own code in
 * `details.refused`, no entry each, and a count in
 * `isp_hub_authentication_failures_total{recorded="no"}`. Successful sign-ins
 * are never counted. Behind a trusted TLS-terminating proxy the address is
 * the one the proxy reports (client-certificate.ts `clientAddressOf`).
 */
export interface AuthenticationFailures {
  /** Audits `entry` (or the limit entry, or nothing, as above) and returns the HubError to answer with: `throw await refuse(...)`. */
  refuse(req: Request, res: Response, error: HubError, entry: AuditEntryInput): Promise<HubError>;
}

/** All addresses together may have this many times one address's limit audited per window. */
const ALL_ADDRESSES_FACTOR = 10;

export function createAuthenticationFailures(deps: {
  limiter: RateLimiter;
  audit: AuditSink;
  /** The caller's network address (proxy-aware). */
  addressOf: (req: Request) => string | undefined;
  metrics?: Pick<HubMetrics, 'authenticationFailure'>;
  now?: () => number;
}): AuthenticationFailures {
  const now = deps.now ?? Date.now;

  function bucketsFor(req: Request, entry: AuditEntryInput): FoldBucket[] {
    if (entry.agency !== 'unknown') {
      return [{ key: `auth-failures:agency:${entry.agency}`, whose: `with certificates the scheme issued to ${entry.agency}`, limit: (limit) => limit, agency: entry.agency }];
    }
    return [
      { key: `auth-failures:address:${networkOf(deps.addressOf(req))}`, whose: 'from one network address', limit: (limit) => limit, agency: 'unknown' },
      { key: 'auth-failures:all', whose: 'from all addresses together', limit: (limit) => limit * ALL_ADDRESSES_FACTOR, agency: 'unknown' },
    ];
  }

  async function verdictFor(req: Request, buckets: FoldBucket[]): Promise<FoldVerdict> {
    try {
      return await foldVerdict(deps.limiter, buckets);
    } catch (error) {
      // Cannot count (Redis unreachable): audit as if under the limit. The append most likely fails too
      // and says so in the log; the caller is refused either way.
      loggerOf(req).warn('authentication failures could not be counted', { event: 'auth-failures.count-failed', error });
      return { write: 'entry' };
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
      const verdict = await verdictFor(req, bucketsFor(req, entry));
      if (!verdict.over) {
        deps.metrics?.authenticationFailure({ recorded: true });
        await append(req, entry);
        return error;
      }
      const { over } = verdict;
      const retryAfterSeconds = retryAfterSecondsOf(over);
      if (verdict.write === 'limit-entry') {
        const limited = limitEntryOf(entry, over, error.code, 'AUTH_FAILURES_LIMITED', now(), 'authentication failures');
        deps.metrics?.authenticationFailure({ recorded: true });
        // The one place the hub logs a network address: an operator has to know what to block.
        loggerOf(req).warn('authentication failures over the limit', { event: 'auth-failures.limited', whose: over.bucket.whose, network: over.bucket.agency === 'unknown' ? networkOf(deps.addressOf(req)) : undefined, until: limited.until });
        await append(req, limited.entry);
      } else {
        deps.metrics?.authenticationFailure({ recorded: false });
      }
      res.setHeader('Retry-After', String(retryAfterSeconds));
      return new HubError('AUTH_FAILURES_LIMITED', 'too many failed sign-ins; try again later', { retryAfterSeconds, refused: error.code });
    },
  };
}

/**
 * The network a failure counts against: IPv4 as it is (also when written as
 * IPv6: ::ffff:a.b.c.d, ::a.b.c.d, or NAT64 64:ff9b::/96, RFC 6052), IPv6
 * cut to its /64. A zone id (fe80::1%eth0) is dropped.
 */
export function networkOf(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? '').replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return 'unknown';
  const groups = ipv6Groups(address);
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const embeddedIPv4 = (zero(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) || (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6));
  // ::1 and :: are IPv6's own loopback and unspecified addresses, not IPv4 ones.
  if (embeddedIPv4 && !(zero(0, 7) && (groups[7] ?? 0) <= 1)) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::` filled in, a trailing dotted quad read as two groups; RFC 4291 s.2.2). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array.from({ length: 8 - left.length - right.length }, () => 0), ...right];
}
