import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { messageIdFor } from '../../src/routing/message-id.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import {
  agencyCredentials,
  auditEventually,
  auditSince,
  bearer,
  caller,
  dpoIssuer,
  envelopeKit,
  jose,
  testOnlyCredentials,
  type Caller,
  type EnvelopeKit,
} from './support.js';

/**
 * Who may read what. Cross-agency reads of the inbox,
 * tracking and audit; DPO tokens scoped to one agency; forged DPO tokens;
 * expired and revoked client certificates. All against a real hub over
 * HTTPS with mutual TLS, asserting codes and the audit entries the
 * protocol asks for.
 */

let redis: TestRedis;
let hub: TestHub;
let police: Caller;
let probation: Caller;
let housing: Caller;
let anonymous: Caller;
let kit: EnvelopeKit;
let issuer: EmbeddedDpoIssuer;
const AUDIENCE = 'isp-hub-console';
const ISSUER = 'urn:isp-hub:isp-hub:dpo-issuer';

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis);
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  probation = await caller(hub.url, await agencyCredentials('nv-probation'));
  housing = await caller(hub.url, await agencyCredentials('nv-housing'));
  anonymous = await caller(hub.url);
  kit = await envelopeKit(hub, 'nv-police');
  issuer = await dpoIssuer(hub);
});
afterAll(async () => {
  for (const client of [police, probation, housing, anonymous]) client?.close();
  await hub?.stop();
  await redis?.stop();
});

/** Sends an arrest notification from police; returns its message id once probation's inbox holds it. */
async function sendToProbation(): Promise<{ messageId: string; itemId: string }> {
  const claims = await kit.claims();
  const sent = await police.send('POST', '/v1/messages', { body: await kit.seal(claims), headers: jose });
  expect(sent.status).toBe(202);
  const messageId = JSON.parse(sent.text).id as string;
  expect(messageId).toBe(messageIdFor('nv-police', String(claims.jti)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const inbox = await probation.send('GET', '/v1/inbox?limit=100');
    const items = JSON.parse(inbox.text).items as Array<{ id: string; messageId: string }>;
    const found = items.find((item) => item.messageId === messageId);
    if (found) return { messageId, itemId: found.id };
    if (Date.now() > deadline) throw new Error('the delivery did not reach the inbox in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('cross-agency reads', () => {
  it("another agency can neither list nor acknowledge probation's inbox item; probation still can", async () => {
    const { messageId, itemId } = await sendToProbation();
    const listed = await housing.send('GET', '/v1/inbox?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(messageId);
    expect(listed.text).not.toContain(itemId);
    const stolen = await housing.send('POST', `/v1/inbox/${encodeURIComponent(itemId)}/ack`);
    const unknown = await housing.send('POST', `/v1/inbox/${encodeURIComponent(itemId.slice(0, -2) + 'zz')}/ack`);
    // "Not yours" and "no such item" are the same answer: nobody can probe an inbox.
    expect({ status: stolen.status, code: stolen.code }).toEqual({ status: 404, code: 'INBOX_ITEM_NOT_FOUND' });
    expect({ status: unknown.status, code: unknown.code }).toEqual({ status: 404, code: stolen.code });
    const acked = await probation.send('POST', `/v1/inbox/${encodeURIComponent(itemId)}/ack`);
    expect(acked.status).toBe(200);
  });

  it("tracking is the sender's alone: the recipient and a third agency get the same 404 as for no message", async () => {
    const { messageId } = await sendToProbation();
    expect((await police.send('GET', `/v1/messages/${messageId}`)).status).toBe(200);
    const nonexistent = messageIdFor('nv-police', randomUUID());
    const answers = await Promise.all([
      probation.send('GET', `/v1/messages/${messageId}`),
      housing.send('GET', `/v1/messages/${messageId}`),
      housing.send('GET', `/v1/messages/${nonexistent}`),
      housing.send('GET', '/v1/messages/not-a-message-id'),
    ]);
    for (const answer of answers) expect({ status: answer.status, body: JSON.parse(answer.text) }).toEqual({ status: 404, body: JSON.parse(answers[3]!.text) });
    expect(answers[0]!.code).toBe('NOT_FOUND');
  });

  it('an agency client certificate is no key to the audit API: a DPO bearer token is required', async () => {
    const response = await police.send('GET', '/v1/audit/entries');
    expect({ status: response.status, code: response.code }).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    expect(String(response.headers['www-authenticate'])).toMatch(/^Bearer realm=/);
  });

  it('a query refused before the register is read is audited as a refusal', async () => {
    const claims = await kit.claims({ jti: randomUUID() });
    const before = await hub.hub.parts.auditLog.size();
    // An arrest notification is no query.
    const response = await police.send('POST', '/v1/queries', { body: await kit.seal(claims), headers: jose });
    expect({ status: response.status, code: response.code }).toEqual({ status: 422, code: 'MESSAGE_TYPE_WRONG_ENDPOINT' });
    const gained = await auditSince(hub, before);
    expect(gained).toContainEqual(expect.objectContaining({ event: 'refusal', agency: 'nv-police', outcome: 'MESSAGE_TYPE_WRONG_ENDPOINT' }));
    expect(gained.filter((entry) => entry.event === 'consultation')).toEqual([]);
  });
});

describe('a DPO token for one agency asking for another agency', () => {
  it("answers 404 AUDIT_NOT_FOUND for another agency's entry (like a missing one) and logs the read as not-found", async () => {
    const { messageId } = await sendToProbation();
    const log = hub.hub.parts.auditLog;
    const size = await log.size();
    const entries = await log.getEntries(Array.from({ length: size }, (_, index) => index));
    const policeOnly = entries.find((entry) => entry.agency === 'nv-police' && entry.event === 'collection' && entry.messageId === messageId);
    expect(policeOnly).toBeDefined();
    const housingDpo = await issuer.issue({ agencyId: 'nv-housing', name: 'Sam Testofficer', ttlSeconds: 600, audience: AUDIENCE });
    const policeDpo = await issuer.issue({ agencyId: 'nv-police', name: 'Robin Testofficer', ttlSeconds: 600, audience: AUDIENCE });

    expect((await anonymous.send('GET', `/v1/audit/entries/${policeOnly!.seq}`, { headers: bearer(policeDpo) })).status).toBe(200);
    const before = await log.size();
    const foreign = await anonymous.send('GET', `/v1/audit/entries/${policeOnly!.seq}`, { headers: bearer(housingDpo) });
    const missing = await anonymous.send('GET', `/v1/audit/entries/999999999`, { headers: bearer(housingDpo) });
    expect({ status: foreign.status, code: foreign.code }).toEqual({ status: 404, code: 'AUDIT_NOT_FOUND' });
    expect(JSON.parse(foreign.text)).toEqual(JSON.parse(missing.text));
    const reads = (await auditSince(hub, before)).filter((entry) => entry.event === 'audit-read' && entry.agency === 'nv-housing');
    expect(reads.map((entry) => entry.outcome)).toEqual(['not-found', 'not-found']);

    const proof = await anonymous.send('GET', `/v1/audit/proofs/inclusion?seq=${policeOnly!.seq}&treeSize=${before}`, { headers: bearer(housingDpo) });
    expect({ status: proof.status, code: proof.code }).toEqual({ status: 404, code: 'AUDIT_NOT_FOUND' });
  });

  it("refuses a search naming another agency with 403 FORBIDDEN, and never returns another agency's entries", async () => {
    const housingDpo = await issuer.issue({ agencyId: 'nv-housing', name: 'Sam Testofficer', ttlSeconds: 600, audience: AUDIENCE });
    const before = await hub.hub.parts.auditLog.size();
    const named = await anonymous.send('GET', '/v1/audit/entries?agency=nv-police', { headers: bearer(housingDpo) });
    expect({ status: named.status, code: named.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await auditSince(hub, before)).toContainEqual(expect.objectContaining({ event: 'audit-read', agency: 'nv-housing', outcome: 'forbidden' }));
    const own = await anonymous.send('GET', '/v1/audit/entries?limit=500', { headers: bearer(housingDpo) });
    expect(own.status).toBe(200);
    const page = JSON.parse(own.text) as { entries: Array<{ agency: string; recipients: string[] }> };
    for (const entry of page.entries) expect(entry.agency === 'nv-housing' || entry.recipients.includes('nv-housing')).toBe(true);
    const exported = await anonymous.send('GET', '/v1/audit/export.jsonl?agency=nv-police', { headers: bearer(housingDpo) });
    expect({ status: exported.status, code: exported.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('forged DPO tokens against /v1/audit', () => {
  const forged = async (build: (token: SignJWT) => SignJWT, key = issuerKey(), header: Record<string, unknown> = { alg: 'ES256', kid: 'dpo-1', typ: 'JWT' }) =>
    build(
      new SignJWT({ name: 'Mallory Testperson', agency: 'nv-police', scope: 'scheme' })
        .setProtectedHeader(header as { alg: string })
        .setSubject('nv-police/mallory-testperson')
        .setIssuedAt()
        .setExpirationTime('10m'),
    ).sign(await key);

  async function issuerKey() {
    const { createPrivateKey } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    return createPrivateKey(await readFile(path.join(hub.dataDir, 'dpo-issuer-key.pem'), 'utf8'));
  }

  /** 401 with the code, RFC 6750 invalid_token, no data, and an authentication-failed entry against no agency. */
  async function expectRefused(token: string, code: string): Promise<void> {
    const before = await hub.hub.parts.auditLog.size();
    const response = await anonymous.send('GET', '/v1/audit/entries', { headers: bearer(token) });
    expect({ status: response.status, code: response.code }).toEqual({ status: 401, code });
    expect(String(response.headers['www-authenticate'])).toContain('error="invalid_token"');
    expect(response.text).not.toContain('"entries"');
    const gained = await auditSince(hub, before);
    expect(gained).toContainEqual(expect.objectContaining({ event: 'authentication-failed', agency: 'unknown', decision: 'not-applicable', outcome: code }));
    expect(gained.filter((entry) => entry.event === 'audit-read')).toEqual([]);
  }

  it('a control: a token from the embedded issuer is accepted', async () => {
    const good = await forged((token) => token.setIssuer(ISSUER).setAudience(AUDIENCE));
    expect((await anonymous.send('GET', '/v1/audit/entries', { headers: bearer(good) })).status).toBe(200);
  });

  it('alg none', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'nv-police/mallory', name: 'Mallory', agency: 'nv-police', scope: 'scheme', iat: now, exp: now + 600 };
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'TOKEN_INVALID');
  });

  it('HS256 keyed with the issuer public key', async () => {
    const publicJwk = JSON.stringify(issuer.jwks.keys[0]);
    const token = await new SignJWT({ name: 'Mallory', agency: 'nv-police', scope: 'scheme' })
      .setProtectedHeader({ alg: 'HS256', kid: 'dpo-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('nv-police/mallory')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(publicJwk));
    await expectRefused(token, 'TOKEN_INVALID');
  });

  it('wrong issuer, wrong audience, and a key the issuer never had', async () => {
    await expectRefused(await forged((token) => token.setIssuer('https://idp.northvale.example/').setAudience(AUDIENCE)), 'TOKEN_INVALID');
    await expectRefused(await forged((token) => token.setIssuer(ISSUER).setAudience('another-service')), 'TOKEN_INVALID');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expectRefused(await forged((token) => token.setIssuer(ISSUER).setAudience(AUDIENCE), Promise.resolve(stranger)), 'TOKEN_INVALID');
  });

  it('expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRefused(await forged((token) => token.setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(past - 600).setExpirationTime(past)), 'TOKEN_EXPIRED');
  });

  it('a malformed Authorization header and a token in the query string', async () => {
    const basic = await anonymous.send('GET', '/v1/audit/entries', { headers: { authorization: 'Basic bmF0aGFuOnRlc3Q=' } });
    expect({ status: basic.status, code: basic.code }).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    const good = await forged((token) => token.setIssuer(ISSUER).setAudience(AUDIENCE));
    const inQuery = await anonymous.send('GET', `/v1/audit/entries?access_token=${good}`);
    expect({ status: inQuery.status, code: inQuery.code }).toEqual({ status: 401, code: 'TOKEN_MISSING' });
  });
});

describe('expired and revoked client certificates', () => {
  for (const [name, code] of [
    ['expired-police', 'CERT_EXPIRED'],
    ['revoked-police', 'CERT_REVOKED'],
  ] as const) {
    it(`${name}: 401 ${code} on every agency route, with an authentication-failed entry naming nv-police`, async () => {
      const client = await caller(hub.url, await testOnlyCredentials(name));
      try {
        for (const [method, path] of [
          ['GET', '/v1/inbox'],
          ['POST', '/v1/messages'],
          ['GET', `/v1/messages/${messageIdFor('nv-police', 'x')}`],
        ] as const) {
          const before = await hub.hub.parts.auditLog.size();
          const response = await client.send(method, path, method === 'POST' ? { body: await kit.seal(await kit.claims()), headers: jose } : {});
          expect({ path, status: response.status, code: response.code }).toEqual({ path, status: 401, code });
          const gained = await auditEventually(hub, before, (entry) => entry.event === 'authentication-failed');
          expect(gained).toContainEqual(expect.objectContaining({ event: 'authentication-failed', agency: 'nv-police', decision: 'deny', outcome: code }));
          expect(gained.filter((entry) => entry.event === 'collection')).toEqual([]);
        }
      } finally {
        client.close();
      }
    });
  }

  it('no certificate at all: 401 CLIENT_CERT_REQUIRED, audited against an unknown agency', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const response = await anonymous.send('GET', '/v1/inbox');
    expect({ status: response.status, code: response.code }).toEqual({ status: 401, code: 'CLIENT_CERT_REQUIRED' });
    expect(await auditSince(hub, before)).toContainEqual(expect.objectContaining({ event: 'authentication-failed', agency: 'unknown', outcome: 'CLIENT_CERT_REQUIRED' }));
  });
});
