import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import { HubError } from '../errors.js';

/**
 * DPO sign-in: bearer tokens (RFC 6750) that are JWTs (RFC 7519) verified
 * with pinned algorithm, issuer and audience (RFC 8725 s.3.1-3.9). In
 * production the issuer is the scheme's OIDC provider (its JWKS URL is
 * configured); for the embedded default the hub runs its own small issuer.
 *
 * Least privilege: an agency DPO's scope is their agency; only a token with
 * `scope: scheme` sees every agency's entries. A `scheme-manager` token sees
 * the scheme returns (aggregate statistics) and nothing of the audit log.
 */
export const DPO_TOKEN_ALGORITHMS = ['ES256'] as const;

const dpoClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  agency: z.string().regex(/^[a-z0-9-]{2,64}$/),
  scope: z.enum(['agency', 'scheme', 'scheme-manager']),
});

export type DpoScope = { kind: 'scheme' } | { kind: 'scheme-manager' } | { kind: 'agency'; agencyId: string };

export interface DpoIdentity {
  subject: string;
  name: string;
  agencyId: string;
  scope: DpoScope;
}

export interface DpoTokenVerifier {
  verify(token: string): Promise<DpoIdentity>;
}

/**
 * The `typ` header values a sign-in token may carry (RFC 8725 s.3.11,
 * explicit typing): a plain JWT (RFC 7519 s.5.1), or an OAuth access token
 * (RFC 9068 s.2.1). Any other type, or none, is some other kind of JWS (the
 * hub's own `isp-message+jws`, a DPoP proof, a logout token) and is refused,
 * so a token minted for another purpose cannot sign a DPO in. Compared
 * case-insensitively without an `application/` prefix (RFC 7515 s.4.1.9).
 */
export const DPO_TOKEN_TYPES = ['jwt', 'at+jwt'] as const;
/** How far the verifier's clock may be behind the issuer's. */
export const DPO_CLOCK_SKEW_SECONDS = 30;
/** The longest `exp - iat` accepted unless configured (DPO_TOKEN_MAX_LIFETIME_SECONDS). */
export const DEFAULT_DPO_TOKEN_MAX_LIFETIME_SECONDS = 3600;

export interface DpoTokenVerifierOptions {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] } | URL;
  /**
   * Refuse a token whose `exp - iat` is longer: an external identity
   * provider's lifetime is not the hub's to set, and a long-lived bearer
   * token is a long-lived stolen one (RFC 6750 s.5.3, RFC 8725 s.3.10).
   */
  maxLifetimeSeconds?: number;
  now?: () => number;
}

export function createDpoTokenVerifier(options: DpoTokenVerifierOptions): DpoTokenVerifier {
  const keySet = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_DPO_TOKEN_MAX_LIFETIME_SECONDS;
  const nowSeconds = () => Math.floor((options.now?.() ?? Date.now()) / 1000);
  return {
    async verify(token) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keySet, {
          algorithms: [...DPO_TOKEN_ALGORITHMS],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: DPO_CLOCK_SKEW_SECONDS,
          ...(options.now ? { currentDate: new Date(options.now()) } : {}),
        });
        assertTokenType(protectedHeader.typ);
        assertIssuedSensibly(payload.iat as number, payload.exp as number, nowSeconds(), maxLifetime);
        const claims = dpoClaimsSchema.parse(payload);
        return {
          subject: claims.sub,
          name: claims.name,
          agencyId: claims.agency,
          scope: claims.scope === 'agency' ? { kind: 'agency', agencyId: claims.agency } : { kind: claims.scope },
        };
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new HubError('TOKEN_EXPIRED', 'the sign-in token has expired');
        // The identity provider's key set could not be had: the token may be good, so it is neither refused nor
        // counted as a failed sign-in; the DPO is asked to try again.
        if (isKeySetUnavailable(error)) throw new HubError('UNAVAILABLE', 'the sign-in keys could not be fetched; try again shortly');
        throw new HubError('TOKEN_INVALID', 'the sign-in token is not valid');
      }
    },
  };
}

/** A refusal whose reason is the token's own, kept apart from key-set failures. */
class TokenRefused extends Error {}

function assertTokenType(typ: string | undefined): void {
  const type = typ?.toLowerCase().replace(/^application\//, '');
  if (!(DPO_TOKEN_TYPES as readonly string[]).includes(type ?? '')) throw new TokenRefused('typ');
}

/** jose checks `iat` only as a number; a token from the future or living too long is refused here. */
function assertIssuedSensibly(iat: number, exp: number, now: number, maxLifetime: number): void {
  if (iat > now + DPO_CLOCK_SKEW_SECONDS) throw new TokenRefused('iat');
  if (exp - iat > maxLifetime) throw new TokenRefused('lifetime');
}

/**
 * A failure to fetch the remote JWKS rather than a fault in the token: a
 * timeout, an answer that is not a key set, a non-200 answer (jose's generic
 * error), or a network error from fetch (not a JOSE error at all). A token
 * that fails its claims schema (ZodError) is the token's fault.
 */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  return !(error instanceof z.ZodError || error instanceof TokenRefused);
}

export interface EmbeddedDpoIssuer {
  issuer: string;
  jwks: { keys: JWK[] };
  issue(input: { agencyId: string; name: string; schemeDpo?: boolean; schemeManager?: boolean; ttlSeconds: number; audience: string }): Promise<string>;
}

/** The embedded default's own issuer: an ES256 key kept beside the hub's data. */
export async function createEmbeddedDpoIssuer(issuer: string, privateKey?: KeyObject): Promise<EmbeddedDpoIssuer> {
  const key = privateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const publicJwk = { ...(await exportJWK(key)), d: undefined };
  delete publicJwk.d;
  const kid = 'dpo-1';
  return {
    issuer,
    jwks: { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] },
    async issue({ agencyId, name, schemeDpo, schemeManager, ttlSeconds, audience }) {
      return new SignJWT({ name, agency: agencyId, scope: schemeManager ? 'scheme-manager' : schemeDpo ? 'scheme' : 'agency' })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(`${agencyId}/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
    },
  };
}
