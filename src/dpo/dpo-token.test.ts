import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDpoTokenVerifier, createEmbeddedDpoIssuer } from './index.js';

const AUDIENCE = 'isp-hub-console';
const ISSUER = 'https://127.0.0.1:8443/dpo';

async function setUp() {
  const issuer = await createEmbeddedDpoIssuer(ISSUER);
  const verifier = createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
  return { issuer, verifier };
}

describe('DPO tokens', () => {
  it('accepts an agency DPO token and scopes it to that agency', async () => {
    const { issuer, verifier } = await setUp();
    const token = await issuer.issue({ agencyId: 'nv-yot', name: 'Sam Example', ttlSeconds: 600, audience: AUDIENCE });
    expect(await verifier.verify(token)).toMatchObject({ agencyId: 'nv-yot', scope: { kind: 'agency', agencyId: 'nv-yot' } });
  });

  it('gives the scheme scope only to a scheme DPO token', async () => {
    const { issuer, verifier } = await setUp();
    const token = await issuer.issue({ agencyId: 'nv-police', name: 'Robin Example', schemeDpo: true, ttlSeconds: 600, audience: AUDIENCE });
    expect((await verifier.verify(token)).scope).toEqual({ kind: 'scheme' });
  });

  it('refuses alg none', async () => {
    const { verifier } = await setUp();
    const token = new UnsecuredJWT({ agency: 'nv-yot', name: 'x', scope: 'scheme' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('x').setIssuedAt().setExpirationTime('5m').encode();
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses a wrong issuer, a wrong audience and another key', async () => {
    const { verifier } = await setUp();
    const otherIssuer = await createEmbeddedDpoIssuer('https://evil.example/dpo');
    const wrongIssuer = await otherIssuer.issue({ agencyId: 'nv-yot', name: 'x', ttlSeconds: 600, audience: AUDIENCE });
    await expect(verifier.verify(wrongIssuer)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const sameNameOtherKey = await createEmbeddedDpoIssuer(ISSUER, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const forged = await sameNameOtherKey.issue({ agencyId: 'nv-yot', name: 'x', schemeDpo: true, ttlSeconds: 600, audience: AUDIENCE });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const { issuer } = await setUp();
    const otherVerifier = createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
    const wrongAudience = await issuer.issue({ agencyId: 'nv-yot', name: 'x', ttlSeconds: 600, audience: 'another-app' });
    await expect(otherVerifier.verify(wrongAudience)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses an expired token with its own code', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const issuer = await createEmbeddedDpoIssuer(ISSUER, key);
    const verifier = createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await new SignJWT({ agency: 'nv-yot', name: 'x', scope: 'agency' })
      .setProtectedHeader({ alg: 'ES256', kid: 'dpo-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('x')
      .setIssuedAt(past - 600)
      .setExpirationTime(past)
      .sign(key);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses an HS256 token keyed with the public key', async () => {
    const { issuer, verifier } = await setUp();
    const secret = new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0]));
    const token = await new SignJWT({ agency: 'nv-yot', name: 'x', scope: 'scheme' })
      .setProtectedHeader({ alg: 'HS256', kid: 'dpo-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});

describe('DPO token type and lifetime (RFC 8725 s.3.10-3.11)', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (header: { typ?: string }, iat: number, exp: number) =>
    new SignJWT({ agency: 'nv-yot', name: 'Sam Example', scope: 'scheme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'dpo-1', ...header })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('nv-yot/sam-example')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
  const verifierFor = async (maxLifetimeSeconds?: number) => {
    const issuer = await createEmbeddedDpoIssuer(ISSUER, key);
    return createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, ...(maxLifetimeSeconds ? { maxLifetimeSeconds } : {}) });
  };

  it('accepts typ JWT and at+jwt (any case, with or without application/)', async () => {
    const verifier = await verifierFor();
    for (const typ of ['JWT', 'at+jwt', 'application/at+JWT']) {
      await expect(verifier.verify(await sign({ typ }, now(), now() + 600))).resolves.toMatchObject({ agencyId: 'nv-yot' });
    }
  });

  it('refuses a token of another type, or with no type, as TOKEN_INVALID', async () => {
    const verifier = await verifierFor();
    for (const header of [{ typ: 'isp-message+jws' }, { typ: 'dpop+jwt' }, { typ: 'logout+jwt' }, {}]) {
      await expect(verifier.verify(await sign(header, now(), now() + 600))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    }
  });

  it('refuses exp - iat above the configured maximum, and accepts it at the maximum', async () => {
    const verifier = await verifierFor(1800);
    await expect(verifier.verify(await sign({ typ: 'JWT' }, now(), now() + 1801))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(verifier.verify(await sign({ typ: 'JWT' }, now(), now() + 1800))).resolves.toMatchObject({ agencyId: 'nv-yot' });
    // Without a setting, one hour.
    const byDefault = await verifierFor();
    await expect(byDefault.verify(await sign({ typ: 'JWT' }, now(), now() + 30 * 24 * 3600))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses an iat in the future beyond the clock skew, and accepts one within it', async () => {
    const verifier = await verifierFor();
    await expect(verifier.verify(await sign({ typ: 'JWT' }, now() + 600, now() + 900))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(verifier.verify(await sign({ typ: 'JWT' }, now() + 10, now() + 900))).resolves.toMatchObject({ agencyId: 'nv-yot' });
  });
});

describe('DPO tokens against a remote key set', () => {
  const served = async (answer: (res: import('node:http').ServerResponse) => void) => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`);
    return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };

  it('says UNAVAILABLE, not TOKEN_INVALID, when the key set cannot be fetched (an error answer, or nothing listening)', async () => {
    const issuer = await createEmbeddedDpoIssuer(ISSUER);
    const token = await issuer.issue({ agencyId: 'nv-yot', name: 'Sam Example', ttlSeconds: 600, audience: AUDIENCE });
    const failing = await served((res) => res.writeHead(503).end());
    try {
      await expect(createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: failing.url }).verify(token)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await failing.close();
    }
    // The same port, now closed: a network error from fetch.
    await expect(createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: failing.url }).verify(token)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('still refuses a token signed by a key the fetched set does not hold (TOKEN_INVALID)', async () => {
    const issuer = await createEmbeddedDpoIssuer(ISSUER);
    const other = await createEmbeddedDpoIssuer(ISSUER);
    const token = await other.issue({ agencyId: 'nv-yot', name: 'Sam Example', ttlSeconds: 600, audience: AUDIENCE });
    const keys = await served((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
    try {
      await expect(createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.url }).verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    } finally {
      await keys.close();
    }
  });
});
