import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsContractTable, seal } from '../../src/envelope/index.js';
import { signRaw, encryptRaw } from '../../src/envelope/test-helpers.js';
import type { TestRecipient } from '../../src/envelope/test-fixtures.js';
import { MESSAGE_TYPES, QUERY_MESSAGE_TYPES, messageJsonSchema } from '../../src/messages/index.js';
import { thumbprintS256 } from '../../src/pki/index.js';
import { example } from '../support/e2e.js';
import { certsDir, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditSince, caller, envelopeKit, jose, type Caller, type EnvelopeKit } from '../security/support.js';

/**
 * The wire contract as an integrator without the SDK meets it: the published
 * schemas (fetched over HTTPS and checked with an independent validator),
 * the capabilities of the calling agency, and refusals that say what was
 * expected, each with its audit entry.
 */
let redis: TestRedis;
let hub: TestHub;
let anonymous: Caller;
let police: Caller;
let kit: EnvelopeKit;

beforeAll(async () => {
  redis = await startTestRedis();
  hub = await startTestHub(redis);
  anonymous = await caller(hub.url);
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  kit = await envelopeKit(hub, 'nv-police');
});
afterAll(async () => {
  anonymous?.close();
  police?.close();
  await hub?.stop();
  await redis?.stop();
});

const getJson = async (who: Caller, route: string) => {
  const response = await who.send('GET', route);
  return { status: response.status, type: String(response.headers['content-type']), body: JSON.parse(response.text) as Record<string, any> };
};
const post = async (route: string, body: string) => {
  const response = await police.send('POST', route, { body, headers: jose });
  return { status: response.status, body: JSON.parse(response.text) as { error: { code: string; details?: Record<string, any> } } };
};

function ajv() {
  const validator = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(validator);
  return validator;
}

describe('published schemas', () => {
  it('GET /v1/schemas/{type} answers each type its JSON Schema, without a client certificate, and every example validates against it', async () => {
    for (const type of MESSAGE_TYPES) {
      const answer = await getJson(anonymous, `/v1/schemas/${type}`);
      expect(answer.status).toBe(200);
      expect(answer.type).toMatch(/^application\/schema\+json/);
      expect(answer.body).toEqual(messageJsonSchema(type));
      const validate = ajv().compile(answer.body);
      const written = JSON.parse(await readFile(path.join(hub.policyDir, 'examples', `${type}.json`), 'utf8'));
      expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...written, subject: { ...written.subject, category: 'bystander' } })).toBe(false);
    }
  });

  it('GET /v1/schemas/envelope-claims carries the claims contract, and the claims of a real payload satisfy it', async () => {
    const answer = await getJson(anonymous, '/v1/schemas/envelope-claims');
    expect(answer.status).toBe(200);
    expect(answer.body.required).toEqual(['iss', 'aud', 'iat', 'exp', 'jti']);
    expect(answer.body.description).toContain(claimsContractTable({ hubId: 'isp-hub', clockSkewSeconds: 60, maxLifetimeSeconds: 3600, replayWindowSeconds: 604800 }));
    const validate = ajv().compile(answer.body);
    expect(validate(await kit.claims())).toBe(true);
    expect(validate({ ...(await kit.claims()), aud: 'somewhere-else' })).toBe(false);
  });

  it('answers 404 NOT_FOUND for a name that is no schema, listing the names there are', async () => {
    const answer = await getJson(anonymous, '/v1/schemas/risk-flag-gossip');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
    expect(answer.body.error.details.expected).toEqual([...MESSAGE_TYPES, 'envelope-claims']);
  });

  it('/openapi.json holds the same schemas, and its sealed request bodies point to each type\'s JWS payload', async () => {
    const document = (await getJson(anonymous, '/openapi.json')).body;
    const validator = ajv();
    validator.addSchema(document, 'openapi.json');
    const messagesBody = document.paths['/v1/messages'].post.requestBody.content['application/jose'];
    const queriesBody = document.paths['/v1/queries'].post.requestBody.content['application/jose'];
    const refsOf = (body: any) => body.schema.contentSchema.oneOf.map((entry: { $ref: string }) => entry.$ref);
    const routed = MESSAGE_TYPES.filter((type) => !(QUERY_MESSAGE_TYPES as readonly string[]).includes(type));
    expect(refsOf(messagesBody)).toEqual(routed.map((type) => `#/components/schemas/SealedPayload.${type}`));
    expect(refsOf(queriesBody)).toEqual(['#/components/schemas/SealedPayload.risk-flag-query']);
    expect(messagesBody.schema.contentMediaType).toBe('application/jose');
    expect(document.paths['/v1/messages'].post.requestBody.description).toContain('| `aud` | The hub id, `HUB_ID` (`isp-hub`)');

    for (const type of MESSAGE_TYPES) {
      const written = await example(type);
      const fields = validator.getSchema(`openapi.json#/components/schemas/Message.${type}`)!;
      expect(fields(written), JSON.stringify(fields.errors)).toBe(true);
      const payload = validator.getSchema(`openapi.json#/components/schemas/SealedPayload.${type}`)!;
      expect(payload({ ...(await kit.claims({}, type)) }), JSON.stringify(payload.errors)).toBe(true);
      expect(payload(written)).toBe(false);
    }
    const claims = validator.getSchema('openapi.json#/components/schemas/EnvelopeClaims')!;
    expect(claims(await kit.claims())).toBe(true);
  });
});

describe('GET /v1/capabilities', () => {
  it("lists what the calling agency may send under the policy in force, and only the rules that take it in as sender", async () => {
    const answer = await getJson(police, '/v1/capabilities');
    expect(answer.status).toBe(200);
    const capabilities = answer.body as { agency: string; role: string; policyVersion: string; messageTypes: Array<{ type: string; recipients: string[]; purposes: Array<{ code: string }>; rules: Array<{ id: string; recipients: string[]; disclose: string[] }> }> };
    expect(capabilities).toMatchObject({ agency: 'nv-police', role: 'police' });
    expect(capabilities.policyVersion).toBe(hub.hub.parts.policy.current().version);
    const arrest = capabilities.messageTypes.find((entry) => entry.type === 'arrest-notification')!;
    expect(arrest.recipients).toContain('nv-probation');
    expect(arrest.purposes.map((purpose) => purpose.code)).toContain('catch-and-convict');
    const rule = arrest.rules.find((entry) => entry.id === 'cc-arrest-to-offender-manager')!;
    expect(rule.recipients).toEqual(['nv-probation']);
    expect(rule.disclose).toContain('body.offences');

    const set = hub.hub.parts.policy.current();
    const listed = capabilities.messageTypes.flatMap((entry) => entry.rules.map((listedRule) => listedRule.id));
    const takesInPolice = (rule: (typeof set.rules)[number]) => rule.from === null || rule.from.roles.has('police') || rule.from.agencies.has('nv-police');
    for (const id of listed) expect(takesInPolice(set.rules.find((candidate) => candidate.id === id)!)).toBe(true);
    const othersOnly = set.rules.filter((candidate) => candidate.effect === 'permit' && !takesInPolice(candidate)).map((candidate) => candidate.id);
    expect(othersOnly.length).toBeGreaterThan(0);
    for (const id of othersOnly) expect(listed).not.toContain(id);
    expect(capabilities.messageTypes.some((entry) => entry.recipients.includes('nv-police'))).toBe(false);
  });

  it('answers no one without a client certificate', async () => {
    const answer = await anonymous.send('GET', '/v1/capabilities');
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 401, code: 'CLIENT_CERT_REQUIRED' });
  });
});

describe('refused at the boundary, with an audit entry', () => {
  it('a purpose outside the catalog: 422 PURPOSE_UNKNOWN naming the purposes there are; nothing collected', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const answer = await post('/v1/messages', await kit.seal(await kit.claims({ purpose: 'general-curiosity' })));
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('PURPOSE_UNKNOWN');
    expect(answer.body.error.details!.expected).toEqual(Object.keys(hub.hub.parts.policy.current().catalog.purposes).sort());
    const gained = await auditSince(hub, before);
    expect(gained).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-police', outcome: 'PURPOSE_UNKNOWN' })]);
  });

  it('a purpose outside the catalog in a query: 422 PURPOSE_UNKNOWN, audited, the register never consulted', async () => {
    const yot = await envelopeKit(hub, 'nv-yot');
    const yotCaller = await caller(hub.url, await agencyCredentials('nv-yot'));
    try {
      const before = await hub.hub.parts.auditLog.size();
      const response = await yotCaller.send('POST', '/v1/queries', { body: await yot.seal(await yot.claims({ purpose: 'general-curiosity' }, 'risk-flag-query')), headers: jose });
      expect({ status: response.status, code: response.code }).toEqual({ status: 422, code: 'PURPOSE_UNKNOWN' });
      const gained = await auditSince(hub, before);
      expect(gained).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-yot', outcome: 'PURPOSE_UNKNOWN' })]);
    } finally {
      yotCaller.close();
    }
  });

  it('a query sent to /v1/messages: 422 MESSAGE_TYPE_WRONG_ENDPOINT naming /v1/queries, audited, nothing routed', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const answer = await post('/v1/messages', await kit.seal(await kit.claims({}, 'risk-flag-query')));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'MESSAGE_TYPE_WRONG_ENDPOINT', details: { type: 'risk-flag-query', expected: '/v1/queries' } });
    expect(await auditSince(hub, before)).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-police', outcome: 'MESSAGE_TYPE_WRONG_ENDPOINT' })]);
  });

  it('a message sent to /v1/queries: 422 MESSAGE_TYPE_WRONG_ENDPOINT naming /v1/messages, audited', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const answer = await post('/v1/queries', await kit.seal(await kit.claims()));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'MESSAGE_TYPE_WRONG_ENDPOINT', details: { type: 'arrest-notification', expected: '/v1/messages' } });
    expect(await auditSince(hub, before)).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-police', outcome: 'MESSAGE_TYPE_WRONG_ENDPOINT' })]);
  });
});

describe('refusals that say what was expected, over HTTPS', () => {
  it('CLAIM_AUD_INVALID names the hub id', async () => {
    const answer = await post('/v1/messages', await kit.seal(await kit.claims({ aud: 'isp-hub-staging' })));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'CLAIM_AUD_INVALID', details: { expected: 'isp-hub' } });
  });

  it('CLAIM_EXPIRED gives the hub time, the exp sent and the skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const answer = await post('/v1/messages', await kit.seal(await kit.claims({ iat: now - 900, exp: now - 600 })));
    expect(answer.body.error.code).toBe('CLAIM_EXPIRED');
    expect(answer.body.error.details).toMatchObject({ exp: now - 600, clockSkewSeconds: 60 });
    expect(Math.abs(answer.body.error.details!.hubTime - now)).toBeLessThan(30);
  });

  it('JWS_SIGNER_UNKNOWN for a certificate the hub does not know says so and names the certificate the caller must use', async () => {
    const dir = path.join(certsDir, 'test-only', 'expired-police');
    const [key, cert] = await Promise.all([readFile(path.join(dir, 'key.pem'), 'utf8'), readFile(path.join(dir, 'cert.pem'), 'utf8')]);
    const stranger = new X509Certificate(cert);
    const hubKey = hub.hub.parts.keys.encryption;
    const jwe = await seal({ claims: await kit.claims(), signer: { privateKey: createPrivateKey(key), certificate: stranger }, recipient: { publicKey: hubKey.certificate.publicKey, kid: hubKey.kid } });
    const before = await hub.hub.parts.auditLog.size();
    const answer = await post('/v1/messages', jwe);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({
      code: 'JWS_SIGNER_UNKNOWN',
      details: { received: thumbprintS256(stranger), reason: 'unknown-certificate', expected: thumbprintS256(kit.certificate) },
    });
    expect(await auditSince(hub, before)).toEqual([expect.objectContaining({ event: 'refusal', outcome: 'JWS_SIGNER_UNKNOWN' })]);
  });

  it("JWS_SIGNER_UNKNOWN for a JWS naming the agency's encryption certificate says that it cannot sign", async () => {
    const encryption = new X509Certificate(await readFile(path.join(certsDir, 'agencies', 'nv-police', 'encryption-cert.pem'), 'utf8'));
    const inner = await signRaw({ alg: 'ES256', typ: 'isp-message+jws', 'x5t#S256': thumbprintS256(encryption) }, await kit.claims(), kit.signingKey);
    const hubKey = hub.hub.parts.keys.encryption;
    const recipient = { kind: hubKey.certificate.publicKey.asymmetricKeyType === 'rsa' ? 'RSA-2048' : 'P-256', kid: hubKey.kid, publicKey: hubKey.certificate.publicKey } as TestRecipient;
    const answer = await post('/v1/messages', await encryptRaw(inner, recipient));
    expect(answer.body.error).toMatchObject({ code: 'JWS_SIGNER_UNKNOWN', details: { received: thumbprintS256(encryption), reason: 'encryption-certificate', expected: thumbprintS256(kit.certificate) } });
  });

  it('MESSAGE_INVALID for a value outside an enum lists the allowed values', async () => {
    const claims = await kit.claims();
    const answer = await post('/v1/messages', await kit.seal({ ...claims, subject: { ...(claims.subject as object), category: 'onlooker' } }));
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('MESSAGE_INVALID');
    expect(answer.body.error.details!.issues).toContainEqual({ path: 'subject.category', code: 'invalid_value', allowed: ['suspect', 'convicted', 'victim', 'witness', 'child-at-risk'] });
  });

  it('keeps jti unique per agency: a fresh one is accepted', async () => {
    const answer = await police.send('POST', '/v1/messages', { body: await kit.seal(await kit.claims({ jti: randomUUID() })), headers: jose });
    expect(answer.status).toBe(202);
  });
});
