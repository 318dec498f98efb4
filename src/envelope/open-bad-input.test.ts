import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { open, seal, type OpenOptions } from './index.js';
import {
  countingResolver,
  createTestCa,
  createTestRecipient,
  createTestSigner,
  testClaims,
  type TestRecipient,
  type TestSigner,
} from './test-fixtures.js';
import { b64json, encryptRaw, expectHubError, signRaw, tamperSegment } from './test-helpers.js';

/**
 * One test per kind of bad input to open(). Each asserts the HubError code,
 * that open() returned nothing, and, for every case decided before the
 * signer is looked up, that the trust store (resolveSigner) was never asked.
 */

const NOW = new Date('2030-03-14T10:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
let sender: TestSigner;
let hubKey: TestRecipient;
let resolver: ReturnType<typeof countingResolver>;
let options: OpenOptions;

beforeAll(async () => {
  const ca = await createTestCa();
  sender = await createTestSigner(ca, 'P-256');
  hubKey = createTestRecipient('P-256', 'hub-enc-2030');
});

function freshOptions(): OpenOptions {
  resolver = countingResolver([sender]);
  options = {
    decryptionKeys: [hubKey],
    resolveSigner: resolver.resolve,
    audience: 'isp-hub',
    clockSkewSeconds: 60,
    maxLifetimeSeconds: 3600,
    maxBytes: 64 * 1024,
    now: NOW,
  };
  return options;
}

const jwsHeader = () => ({ alg: 'ES256', typ: 'isp-message+jws', 'x5t#S256': sender.thumbprint });
const sealNow = (claims = testClaims({}, NOW)) => seal({ claims, signer: sender, recipient: hubKey });

async function refused(compact: string, code: Parameters<typeof expectHubError>[1], opts: OpenOptions = freshOptions()): Promise<void> {
  await expectHubError(open(compact, opts), code);
}

describe('open refuses, with its own code', () => {
  it('a control: the well-formed envelope used below opens', async () => {
    const opened = await open(await sealNow(), freshOptions());
    expect(opened.signerThumbprint).toBe(sender.thumbprint);
  });

  it('a JWS with alg none', async () => {
    const inner = `${b64json({ alg: 'none', typ: 'isp-message+jws', 'x5t#S256': sender.thumbprint })}.${b64json(testClaims({}, NOW))}.`;
    await refused(await encryptRaw(inner, hubKey), 'JWS_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it("an HS256 JWS keyed with the sender's public key", async () => {
    const publicPem = sender.certificate.publicKey.export({ format: 'pem', type: 'spki' });
    const inner = await signRaw({ ...jwsHeader(), alg: 'HS256' }, testClaims({}, NOW), new TextEncoder().encode(String(publicPem)));
    await refused(await encryptRaw(inner, hubKey), 'JWS_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS with an RS256 signature (RSA, but not PSS)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const inner = await signRaw({ ...jwsHeader(), alg: 'RS256' }, testClaims({}, NOW), rsa.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'JWS_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE with a zip header (compressed with DEF)', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey, { zip: 'DEF' }), 'JWE_ZIP_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE with alg RSA1_5', async () => {
    const header = b64json({ alg: 'RSA1_5', enc: 'A256GCM', cty: 'isp-message+jws', kid: hubKey.kid });
    const compact = [header, randomBytes(256), randomBytes(12), randomBytes(64), randomBytes(16)]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
    await refused(compact, 'JWE_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE with alg dir (a shared content key)', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    const compact = await new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'isp-message+jws', kid: hubKey.kid })
      .encrypt(randomBytes(32));
    await refused(compact, 'JWE_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE with alg A256KW (a shared wrapping key)', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    const compact = await new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'isp-message+jws', kid: hubKey.kid })
      .encrypt(randomBytes(32));
    await refused(compact, 'JWE_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE whose alg is allowed but does not fit the key its kid names', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    const rsa = createTestRecipient('RSA-2048', hubKey.kid);
    await refused(await encryptRaw(inner, rsa), 'JWE_ALG_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE with enc A128CBC-HS256', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey, { enc: 'A128CBC-HS256' }), 'JWE_ENC_NOT_ALLOWED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE whose cty is not the envelope type', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey, { cty: 'JWT' }), 'JWE_CTY_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS whose typ is not the envelope type', async () => {
    const inner = await signRaw({ ...jwsHeader(), typ: 'JWT' }, testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'JWS_TYP_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS that embeds its own verification key (jwk header)', async () => {
    const jwk = sender.certificate.publicKey.export({ format: 'jwk' });
    const inner = await signRaw({ ...jwsHeader(), jwk }, testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'ENVELOPE_HEADER_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('an envelope over the size limit, before any parsing', async () => {
    const compact = await sealNow();
    await refused(compact, 'ENVELOPE_TOO_LARGE', { ...freshOptions(), maxBytes: compact.length - 1 });
    await refused('x'.repeat(70 * 1024), 'ENVELOPE_TOO_LARGE');
    expect(resolver.calls).toEqual([]);
  });

  it('a tampered ciphertext', async () => {
    await refused(tamperSegment(await sealNow(), 3), 'JWE_DECRYPTION_FAILED');
    expect(resolver.calls).toEqual([]);
  });

  it('a tampered authentication tag', async () => {
    await refused(tamperSegment(await sealNow(), 4), 'JWE_DECRYPTION_FAILED');
    expect(resolver.calls).toEqual([]);
  });

  it('a tampered initialization vector', async () => {
    await refused(tamperSegment(await sealNow(), 2), 'JWE_DECRYPTION_FAILED');
    expect(resolver.calls).toEqual([]);
  });

  it('a tampered protected header (still valid and allowed, but not what was encrypted)', async () => {
    const [header, ...rest] = (await sealNow()).split('.');
    const altered = { ...JSON.parse(Buffer.from(header as string, 'base64url').toString()), note: 'northvale' };
    await refused([b64json(altered), ...rest].join('.'), 'JWE_DECRYPTION_FAILED');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS signed by a key other than the one its x5t#S256 names', async () => {
    const impostor = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), impostor.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'JWS_KEY_MISMATCH');
    expect(resolver.calls).toEqual([sender.thumbprint]);
  });

  it('a JWS whose alg does not fit the key of the certificate it names (ES256 header, Ed25519 certificate)', async () => {
    const edwards = await createTestSigner(await createTestCa(), 'Ed25519');
    const both = countingResolver([sender, edwards]);
    const inner = await signRaw({ ...jwsHeader(), 'x5t#S256': edwards.thumbprint }, testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'JWS_KEY_MISMATCH', { ...freshOptions(), resolveSigner: both.resolve });
    expect(both.calls).toEqual([edwards.thumbprint]);
  });

  it('a JWS whose signature segment has the wrong length for its algorithm', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    const truncated = inner.slice(0, inner.lastIndexOf('.') + 1) + randomBytes(63).toString('base64url');
    await refused(await encryptRaw(truncated, hubKey), 'JWS_SIGNATURE_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS naming a certificate nobody registered (the resolver answers JWS_SIGNER_UNKNOWN)', async () => {
    const inner = await signRaw({ ...jwsHeader(), 'x5t#S256': randomBytes(32).toString('base64url') }, testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'JWS_SIGNER_UNKNOWN');
    expect(resolver.calls).toHaveLength(1);
  });

  it('a wrong aud', async () => {
    await refused(await sealNow(testClaims({ aud: 'northvale-probation' }, NOW)), 'CLAIM_AUD_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('an iat further in the future than the clock skew', async () => {
    await refused(await sealNow(testClaims({ iat: NOW_S + 120, exp: NOW_S + 600 }, NOW)), 'CLAIM_IAT_OUT_OF_SKEW');
    expect(resolver.calls).toEqual([]);
  });

  it('an exp that has passed (beyond the skew)', async () => {
    await refused(await sealNow(testClaims({ iat: NOW_S - 600, exp: NOW_S - 61 }, NOW)), 'CLAIM_EXPIRED');
    expect(resolver.calls).toEqual([]);
  });

  it('an exp further ahead than the maximum lifetime', async () => {
    await refused(await sealNow(testClaims({ iat: NOW_S, exp: NOW_S + 3601 }, NOW)), 'CLAIM_EXP_TOO_FAR');
    expect(resolver.calls).toEqual([]);
  });

  it('a missing jti', async () => {
    const { jti: _dropped, ...withoutJti } = testClaims({}, NOW);
    const inner = await signRaw(jwsHeader(), withoutJti, sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'CLAIM_JTI_MISSING');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWE for an unknown kid', async () => {
    const stranger = createTestRecipient('P-256', 'retired-hub-key');
    await refused(await seal({ claims: testClaims({}, NOW), signer: sender, recipient: stranger }), 'JWE_UNKNOWN_KID');
    expect(resolver.calls).toEqual([]);
  });

  it('a compact JWE with the wrong number of parts', async () => {
    const parts = (await sealNow()).split('.');
    await refused(parts.slice(0, 4).join('.'), 'ENVELOPE_MALFORMED');
    expect(resolver.calls).toEqual([]);
  });

  it('an inner compact JWS with the wrong number of parts', async () => {
    const inner = await signRaw(jwsHeader(), testClaims({}, NOW), sender.privateKey);
    await refused(await encryptRaw(inner.split('.').slice(0, 2).join('.'), hubKey), 'ENVELOPE_MALFORMED');
    expect(resolver.calls).toEqual([]);
  });

  it('a segment that is not base64url', async () => {
    const parts = (await sealNow()).split('.');
    parts[3] = `${parts[3]?.slice(0, 10)}+/=${parts[3]?.slice(13)}`;
    await refused(parts.join('.'), 'ENVELOPE_MALFORMED');
    expect(resolver.calls).toEqual([]);
  });

  it('a protected header that is JSON but not an object', async () => {
    const parts = (await sealNow()).split('.');
    parts[0] = b64json(['ECDH-ES+A256KW', 'A256GCM']);
    await refused(parts.join('.'), 'ENVELOPE_HEADER_INVALID');
    expect(resolver.calls).toEqual([]);
  });

  it('a JWS payload that is JSON but not an object', async () => {
    const inner = await signRaw(jwsHeader(), '["isp-hub", 1]', sender.privateKey);
    await refused(await encryptRaw(inner, hubKey), 'ENVELOPE_MALFORMED');
    expect(resolver.calls).toEqual([]);
  });
});
