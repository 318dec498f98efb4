import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { CompactEncrypt, CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/entry.js';
import { thumbprintS256 } from '../../src/pki/thumbprint.js';
import { messageIdFor } from '../../src/routing/message-id.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditSince, caller, envelopeKit, jose, type Caller, type EnvelopeKit } from './support.js';

/**
 * Bad envelopes, through the real HTTPS endpoint of a
 * real hub: each hostile envelope is refused with its own code, a `refusal`
 * entry is written for it (intake audits refused envelopes, DPA 2018 s.62),
 * and nothing is processed: no collection, no disclosure, no tracking and so
 * no delivery job.
 */

let redis: TestRedis;
let hub: TestHub;
let police: Caller;
let kit: EnvelopeKit;
const encoder = new TextEncoder();
const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  // A one-second skew so that the replay-after-exp case needs only a short wait.
  hub = await startTestHub(redis, { env: { CLOCK_SKEW_SECONDS: '1', ENVELOPE_MAX_BYTES: String(64 * 1024) } });
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  kit = await envelopeKit(hub, 'nv-police');
});
afterAll(async () => {
  police?.close();
  await hub?.stop();
  await redis?.stop();
});

const thumbprint = () => thumbprintS256(kit.certificate);
const jwsHeader = () => ({ alg: 'ES256', typ: 'isp-message+jws', 'x5t#S256': thumbprint() });
const signRaw = (header: Record<string, unknown> & { alg: string }, payload: unknown, key: Parameters<CompactSign['sign']>[0]) =>
  new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
const encryptRaw = (inner: string, header: Record<string, unknown> = {}) =>
  new CompactEncrypt(encoder.encode(inner))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'isp-message+jws', kid: kit.hubKey.kid, ...header })
    .encrypt(kit.hubKey.publicKey);
function tamperSegment(compact: string, index: number): string {
  const parts = compact.split('.');
  const segment = parts[index] as string;
  const at = Math.floor(segment.length / 2);
  parts[index] = segment.slice(0, at) + (segment[at] === 'A' ? 'B' : 'A') + segment.slice(at + 1);
  return parts.join('.');
}

/**
 * Posts the envelope as nv-police and asserts: the status and code, exactly
 * one refusal entry naming the code for nv-police, no collection or
 * disclosure, and (when the jti is known) no tracking for the message id.
 */
async function expectRefused(compact: string, status: number, code: string, jti?: string): Promise<AuditEntry> {
  const before = await hub.hub.parts.auditLog.size();
  const response = await police.send('POST', '/v1/messages', { body: compact, headers: jose });
  expect({ status: response.status, code: response.code }).toEqual({ status, code });
  const gained = (await auditSince(hub, before)).filter((entry) => entry.agency === 'nv-police');
  const refusals = gained.filter((entry) => entry.event === 'refusal');
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatchObject({ decision: 'not-applicable', outcome: code, subjectKeys: [] });
  expect(gained.filter((entry) => entry.event === 'collection' || entry.event === 'disclosure')).toEqual([]);
  if (jti) {
    const tracking = await police.send('GET', `/v1/messages/${messageIdFor('nv-police', jti)}`);
    expect(tracking.code).toBe('NOT_FOUND');
  }
  return refusals[0] as AuditEntry;
}

describe('envelope attacks through POST /v1/messages', () => {
  it('a control: the kit seals an envelope the hub accepts', async () => {
    const claims = await kit.claims();
    const response = await police.send('POST', '/v1/messages', { body: await kit.seal(claims), headers: jose });
    expect(response.status).toBe(202);
    expect(JSON.parse(response.text).id).toBe(messageIdFor('nv-police', String(claims.jti)));
  });

  it('a JWS with alg none', async () => {
    const claims = await kit.claims();
    const inner = `${b64json({ alg: 'none', typ: 'isp-message+jws', 'x5t#S256': thumbprint() })}.${b64json(claims)}.`;
    await expectRefused(await encryptRaw(inner), 400, 'JWS_ALG_NOT_ALLOWED', String(claims.jti));
  });

  it("an HS256 JWS keyed with the sender's public key (algorithm confusion)", async () => {
    const claims = await kit.claims();
    const publicPem = String(kit.certificate.publicKey.export({ format: 'pem', type: 'spki' }));
    const inner = await signRaw({ ...jwsHeader(), alg: 'HS256' }, claims, encoder.encode(publicPem));
    await expectRefused(await encryptRaw(inner), 400, 'JWS_ALG_NOT_ALLOWED', String(claims.jti));
  });

  it('a JWS algorithm outside the allow-list (RS256)', async () => {
    const claims = await kit.claims();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const inner = await signRaw({ ...jwsHeader(), alg: 'RS256' }, claims, rsa.privateKey);
    await expectRefused(await encryptRaw(inner), 400, 'JWS_ALG_NOT_ALLOWED', String(claims.jti));
  });

  it('a JWE with a zip header (DEFLATE)', async () => {
    const claims = await kit.claims();
    const inner = await signRaw(jwsHeader(), claims, kit.signingKey);
    await expectRefused(await encryptRaw(inner, { zip: 'DEF' }), 400, 'JWE_ZIP_NOT_ALLOWED', String(claims.jti));
  });

  it('JWE key algorithms outside the allow-list (RSA1_5, dir, A256KW) and a foreign enc', async () => {
    const claims = await kit.claims();
    const inner = await signRaw(jwsHeader(), claims, kit.signingKey);
    const rsa15 = [b64json({ alg: 'RSA1_5', enc: 'A256GCM', cty: 'isp-message+jws', kid: kit.hubKey.kid }), randomBytes(256), randomBytes(12), randomBytes(64), randomBytes(16)]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
    await expectRefused(rsa15, 400, 'JWE_ALG_NOT_ALLOWED');
    for (const alg of ['dir', 'A256KW']) {
      const compact = await new CompactEncrypt(encoder.encode(inner))
        .setProtectedHeader({ alg, enc: 'A256GCM', cty: 'isp-message+jws', kid: kit.hubKey.kid })
        .encrypt(randomBytes(32));
      await expectRefused(compact, 400, 'JWE_ALG_NOT_ALLOWED', String(claims.jti));
    }
    await expectRefused(await encryptRaw(inner, { enc: 'A128CBC-HS256' }), 400, 'JWE_ENC_NOT_ALLOWED', String(claims.jti));
  });

  it('a tampered ciphertext, tag, IV or protected header', async () => {
    const claims = await kit.claims();
    const sealed = await kit.seal(claims);
    for (const index of [3, 4, 2]) await expectRefused(tamperSegment(sealed, index), 400, 'JWE_DECRYPTION_FAILED', String(claims.jti));
    const [header, ...rest] = sealed.split('.');
    const altered = { ...JSON.parse(Buffer.from(header as string, 'base64url').toString()), note: 'northvale' };
    await expectRefused([b64json(altered), ...rest].join('.'), 400, 'JWE_DECRYPTION_FAILED', String(claims.jti));
  });

  it('a JWE for an unknown kid', async () => {
    const claims = await kit.claims();
    const inner = await signRaw(jwsHeader(), claims, kit.signingKey);
    await expectRefused(await encryptRaw(inner, { kid: randomBytes(32).toString('base64url') }), 400, 'JWE_UNKNOWN_KID', String(claims.jti));
  });

  it('a JWS signed with a key other than the certificate it names', async () => {
    const claims = await kit.claims();
    const impostor = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const inner = await signRaw(jwsHeader(), claims, impostor.privateKey);
    await expectRefused(await encryptRaw(inner), 401, 'JWS_KEY_MISMATCH', String(claims.jti));
  });

  it('an envelope over the size limit (413), audited like any other refused envelope', async () => {
    await expectRefused('A'.repeat(64 * 1024 + 1), 413, 'BODY_TOO_LARGE');
  });

  it('malformed compact serialisations: wrong part count, bad base64url, a header that is not an object', async () => {
    await expectRefused('a.b.c', 400, 'ENVELOPE_MALFORMED');
    await expectRefused('a.b.c.d.e.f', 400, 'ENVELOPE_MALFORMED');
    const sealed = await kit.seal(await kit.claims());
    const parts = sealed.split('.');
    await expectRefused([parts[0], parts[1], '%%%%', parts[3], parts[4]].join('.'), 400, 'ENVELOPE_MALFORMED');
    await expectRefused([b64json([1, 2, 3]), ...parts.slice(1)].join('.'), 400, 'ENVELOPE_HEADER_INVALID');
    await expectRefused([Buffer.from('{"alg":').toString('base64url'), ...parts.slice(1)].join('.'), 400, 'ENVELOPE_HEADER_INVALID');
    // The JWE opens, but what it holds is not a JWS, or its payload is not a JSON object.
    await expectRefused(await encryptRaw('not-a-jws'), 400, 'ENVELOPE_MALFORMED');
    const arrayPayload = await new CompactSign(encoder.encode('[1,2]')).setProtectedHeader(jwsHeader()).sign(kit.signingKey);
    await expectRefused(await encryptRaw(arrayPayload), 400, 'ENVELOPE_MALFORMED');
  });

  it('a correctly signed payload nested far too deeply is refused with a 4xx code, not a crash', async () => {
    const claims = await kit.claims();
    const deep = `${JSON.stringify(claims).slice(0, -1)},"extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const inner = await new CompactSign(encoder.encode(deep)).setProtectedHeader(jwsHeader()).sign(kit.signingKey);
    const before = await hub.hub.parts.auditLog.size();
    const response = await police.send('POST', '/v1/messages', { body: await encryptRaw(inner), headers: jose });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.code).toBeTypeOf('string');
    const gained = await auditSince(hub, before);
    expect(gained.filter((entry) => entry.event === 'refusal' && entry.outcome === response.code)).toHaveLength(1);
    expect(gained.filter((entry) => entry.event === 'collection')).toEqual([]);
  });
});

describe('a signer who is not the TLS agency', () => {
  it("is refused with 403 SIGNER_NOT_CALLER and audited against the connection's agency", async () => {
    const housing = await caller(hub.url, await agencyCredentials('nv-housing'));
    try {
      const claims = await kit.claims();
      const before = await hub.hub.parts.auditLog.size();
      const response = await housing.send('POST', '/v1/messages', { body: await kit.seal(claims), headers: jose });
      expect({ status: response.status, code: response.code }).toEqual({ status: 403, code: 'SIGNER_NOT_CALLER' });
      const gained = await auditSince(hub, before);
      expect(gained).toContainEqual(expect.objectContaining({ event: 'refusal', agency: 'nv-housing', outcome: 'SIGNER_NOT_CALLER' }));
      expect(gained.filter((entry) => entry.event === 'collection')).toEqual([]);
      // Neither the signer nor the caller has a message by that jti.
      expect((await police.send('GET', `/v1/messages/${messageIdFor('nv-police', String(claims.jti))}`)).code).toBe('NOT_FOUND');
      expect((await housing.send('GET', `/v1/messages/${messageIdFor('nv-housing', String(claims.jti))}`)).code).toBe('NOT_FOUND');
    } finally {
      housing.close();
    }
  });
});

describe('replay of an old message', () => {
  it('the same bytes get the same answer and are processed once (one collection entry)', async () => {
    const claims = await kit.claims();
    const sealed = await kit.seal(claims);
    const before = await hub.hub.parts.auditLog.size();
    const answers = await Promise.all([1, 2, 3].map(() => police.send('POST', '/v1/messages', { body: sealed, headers: jose })));
    const again = await police.send('POST', '/v1/messages', { body: sealed, headers: jose });
    const accepted = [...answers, again].filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const answer of accepted) expect(answer.text).toBe(again.text);
    expect(again.status).toBe(202);
    const messageId = messageIdFor('nv-police', String(claims.jti));
    const gained = await auditSince(hub, before);
    expect(gained.filter((entry) => entry.event === 'collection' && entry.messageId === messageId)).toHaveLength(1);
    const disclosures = gained.filter((entry) => entry.event === 'disclosure' && entry.messageId === messageId);
    expect(new Set(disclosures.map((entry) => entry.recipients.join()))).toHaveProperty('size', disclosures.length);
  });

  it('after exp the same bytes are refused with CLAIM_EXPIRED and audited', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = await kit.claims({ iat: now, exp: now + 1, jti: randomUUID() });
    const sealed = await kit.seal(claims);
    const first = await police.send('POST', '/v1/messages', { body: sealed, headers: jose });
    expect(first.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const refusal = await expectRefused(sealed, 400, 'CLAIM_EXPIRED');
    expect(refusal.messageId).toBeUndefined();
    // The message accepted before exp is tracked once, and nothing more came of the replay.
    const tracking = await police.send('GET', `/v1/messages/${messageIdFor('nv-police', String(claims.jti))}`);
    expect(tracking.status).toBe(200);
  });
});
