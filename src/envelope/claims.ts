import { z } from 'zod';
import { HubError } from '../errors.js';
import { TOKEN_ID_MAX_LENGTH, tokenIdSchema } from '../messages/sender-ids.js';

/**
 * The JWT claims the envelope itself answers for (RFC 7519 s.4.1). The rest
 * of the payload (type, purpose, actor, subject, body, to) is checked by
 * src/messages against the message type's schema, so here it is `unknown`.
 */
export interface EnvelopeClaims {
  iss: string;
  aud: string | string[];
  /** NumericDate: seconds since the epoch (RFC 7519 s.2). */
  iat: number;
  exp: number;
  jti: string;
  type?: unknown;
  purpose?: unknown;
  actor?: unknown;
  subject?: unknown;
  body?: unknown;
  to?: unknown;
  [claim: string]: unknown;
}

export interface ClaimRules {
  audience: string;
  clockSkewSeconds: number;
  maxLifetimeSeconds: number;
  now: Date;
}

export const MAX_JTI_LENGTH = TOKEN_ID_MAX_LENGTH;
const numericDate = z.number().finite().nonnegative();

const claimsShape = z
  .object({
    iss: z.string().min(1),
    iat: numericDate,
    exp: numericDate,
  })
  .loose();

/** Returns true for a JSON value that is a plain object: a claims set must be one (RFC 7519 s.7.2 step 10). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks the claims in a fixed order (jti, aud, shape, iat, exp) so that each
 * fault has one code. Only the issuer's own clock skew is tolerated: `iat` may
 * not be further in the future than the skew, `exp` is honoured with the same
 * leeway (RFC 7519 s.4.1.4), and a message may not claim to live longer than
 * the configured maximum, so a replay cache only has to remember a jti for
 * maxLifetime + skew.
 */
export function checkClaims(claims: Record<string, unknown>, rules: ClaimRules): EnvelopeClaims {
  const { jti, aud } = claims;
  if (typeof jti !== 'string' || jti.length === 0) throw new HubError('CLAIM_JTI_MISSING', 'the message has no jti');
  if (jti.length > MAX_JTI_LENGTH) throw new HubError('CLAIMS_INVALID', 'the jti is too long', { claim: 'jti', max: MAX_JTI_LENGTH });
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((candidate) => candidate === rules.audience)) {
    throw new HubError('CLAIM_AUD_INVALID', `the message is not addressed to this hub: aud must be "${rules.audience}" or an array containing it`, {
      expected: rules.audience,
    });
  }
  const shape = claimsShape.safeParse(claims);
  if (!shape.success) {
    const claim = shape.error.issues[0]?.path[0];
    throw new HubError('CLAIMS_INVALID', 'a registered claim is missing or has the wrong type', { claim: String(claim) });
  }
  const { iat, exp } = shape.data;
  const nowSeconds = rules.now.getTime() / 1000;
  // The hub's own clock goes into the details: a sender whose clock is off can see by how much.
  const hubTime = Math.floor(nowSeconds);
  if (iat > nowSeconds + rules.clockSkewSeconds) {
    throw new HubError('CLAIM_IAT_OUT_OF_SKEW', 'the message was issued in the future: iat may be at most clockSkewSeconds ahead of the hub time', {
      hubTime,
      iat,
      clockSkewSeconds: rules.clockSkewSeconds,
      latestAcceptedIat: hubTime + rules.clockSkewSeconds,
    });
  }
  if (exp < iat) throw new HubError('CLAIMS_INVALID', 'the message expires before it was issued', { claim: 'exp' });
  if (exp <= nowSeconds - rules.clockSkewSeconds) {
    throw new HubError('CLAIM_EXPIRED', 'the message has expired: exp must be later than the hub time less clockSkewSeconds', {
      hubTime,
      exp,
      clockSkewSeconds: rules.clockSkewSeconds,
      earliestAcceptedExp: hubTime - rules.clockSkewSeconds + 1,
    });
  }
  if (exp - iat > rules.maxLifetimeSeconds) {
    throw new HubError('CLAIM_EXP_TOO_FAR', 'the message claims a longer lifetime than allowed: exp - iat may be at most maxLifetimeSeconds', {
      iat,
      exp,
      lifetimeSeconds: exp - iat,
      maxLifetimeSeconds: rules.maxLifetimeSeconds,
    });
  }
  return claims as EnvelopeClaims;
}

/** For seal(): the same registered claims, as a programming check on our own callers. */
export function assertSealableClaims(claims: unknown): asserts claims is EnvelopeClaims {
  if (!isJsonObject(claims)) throw new TypeError('seal() needs a claims object');
  const shape = claimsShape.safeParse(claims);
  if (!shape.success) throw new TypeError('seal() needs iss, iat and exp claims');
  const { jti, aud } = claims;
  if (!tokenIdSchema.safeParse(jti).success) throw new TypeError('seal() needs a jti claim of the characters a token id may hold');
  const audOk = typeof aud === 'string' ? aud.length > 0 : Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string');
  if (!audOk) throw new TypeError('seal() needs an aud claim');
}
