import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../errors.js';
import { open, seal, type OpenOptions } from './index.js';
import { countingResolver, createTestCa, createTestRecipient, createTestSigner, testClaims, type TestRecipient, type TestSigner } from './test-fixtures.js';
import { b64json, encryptRaw, signRaw } from './test-helpers.js';

/**
 * A refusal says what was expected: the audience, the algorithms allowed,
 * the hub's time and the limit a claim broke. Each answer is asserted on the
 * HubError's details, which the HTTP layer sends as they are.
 */
const NOW = new Date('2030-03-14T10:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
let sender: TestSigner;
let hubKey: TestRecipient;

beforeAll(async () => {
  sender = await createTestSigner(await createTestCa(), 'P-256');
  hubKey = createTestRecipient('P-256', 'hub-enc-2030');
});

const options = (): OpenOptions => ({
  decryptionKeys: [hubKey],
  resolveSigner: countingResolver([sender]).resolve,
  audience: 'isp-hub',
  clockSkewSeconds: 60,
  maxLifetimeSeconds: 3600,
  maxBytes: 64 * 1024,
  now: NOW,
});

async function refusal(compact: string | Promise<string>): Promise<HubError> {
  const error = await open(await compact, options()).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof HubError)) throw new Error(`expected a HubError, got ${String(error)}`);
  return error;
}

const sealClaims = (overrides: Parameters<typeof testClaims>[0]) => seal({ claims: testClaims(overrides, NOW), signer: sender, recipient: hubKey });
const jwsHeader = (alg: string) => ({ alg, typ: 'isp-message+jws', 'x5t#S256': sender.thumbprint });

describe('envelope refusals name what was expected', () => {
  it('CLAIM_AUD_INVALID names the expected audience', async () => {
    const error = await refusal(sealClaims({ aud: 'isp-hub-test' }));
    expect({ code: error.code, details: error.details }).toEqual({ code: 'CLAIM_AUD_INVALID', details: { expected: 'isp-hub' } });
    expect(error.message).toContain('"isp-hub"');
  });

  it('CLAIM_EXPIRED gives the hub time, the claim and the limit', async () => {
    const error = await refusal(sealClaims({ iat: NOW_S - 600, exp: NOW_S - 120 }));
    expect(error.code).toBe('CLAIM_EXPIRED');
    expect(error.details).toEqual({ hubTime: NOW_S, exp: NOW_S - 120, clockSkewSeconds: 60, earliestAcceptedExp: NOW_S - 59 });
  });

  it('CLAIM_IAT_OUT_OF_SKEW gives the hub time, the claim and the limit', async () => {
    const error = await refusal(sealClaims({ iat: NOW_S + 300, exp: NOW_S + 900 }));
    expect(error.code).toBe('CLAIM_IAT_OUT_OF_SKEW');
    expect(error.details).toEqual({ hubTime: NOW_S, iat: NOW_S + 300, clockSkewSeconds: 60, latestAcceptedIat: NOW_S + 60 });
  });

  it('CLAIM_EXP_TOO_FAR gives the lifetime claimed and the largest allowed', async () => {
    const error = await refusal(sealClaims({ iat: NOW_S, exp: NOW_S + 7200 }));
    expect({ code: error.code, details: error.details }).toEqual({
      code: 'CLAIM_EXP_TOO_FAR',
      details: { iat: NOW_S, exp: NOW_S + 7200, lifetimeSeconds: 7200, maxLifetimeSeconds: 3600 },
    });
  });

  it('JWS_ALG_NOT_ALLOWED names the algorithm received and those allowed', async () => {
    const inner = await signRaw(jwsHeader('HS256'), testClaims({}, NOW), randomBytes(32));
    const error = await refusal(encryptRaw(inner, hubKey));
    expect({ code: error.code, details: error.details }).toEqual({ code: 'JWS_ALG_NOT_ALLOWED', details: { received: 'HS256', allowed: ['ES256', 'EdDSA', 'PS256'] } });
  });

  it('JWS_ALG_NOT_ALLOWED describes, rather than echoes, an alg that is no algorithm name', async () => {
    const inner = `${b64json({ ...jwsHeader('ES256'), alg: 'x'.repeat(500) })}.${b64json(testClaims({}, NOW))}.${randomBytes(64).toString('base64url')}`;
    const error = await refusal(encryptRaw(inner, hubKey));
    expect(error.details).toEqual({ received: '(not an algorithm name)', allowed: ['ES256', 'EdDSA', 'PS256'] });
  });

  it('JWE_ALG_NOT_ALLOWED names the algorithm received and the one allowed for the key its kid names', async () => {
    const header = b64json({ alg: 'RSA1_5', enc: 'A256GCM', cty: 'isp-message+jws', kid: hubKey.kid });
    const compact = [header, ...[256, 12, 64, 16].map((size) => randomBytes(size).toString('base64url'))].join('.');
    const error = await refusal(compact);
    expect({ code: error.code, details: error.details }).toEqual({ code: 'JWE_ALG_NOT_ALLOWED', details: { received: 'RSA1_5', allowed: ['ECDH-ES+A256KW'] } });
  });

  it('JWE_ALG_NOT_ALLOWED for an allowed algorithm that does not fit the key names the one that does', async () => {
    const inner = await signRaw(jwsHeader('ES256'), testClaims({}, NOW), sender.privateKey);
    const error = await refusal(encryptRaw(inner, createTestRecipient('RSA-2048', hubKey.kid)));
    expect({ code: error.code, details: error.details }).toEqual({ code: 'JWE_ALG_NOT_ALLOWED', details: { received: 'RSA-OAEP-256', allowed: ['ECDH-ES+A256KW'] } });
  });

  it('JWE_ALG_NOT_ALLOWED with a kid held nowhere lists every algorithm the hub accepts', async () => {
    const header = b64json({ alg: 'A256KW', enc: 'A256GCM', cty: 'isp-message+jws', kid: 'nobody' });
    const compact = [header, ...[40, 12, 64, 16].map((size) => randomBytes(size).toString('base64url'))].join('.');
    expect((await refusal(compact)).details).toEqual({ received: 'A256KW', allowed: ['ECDH-ES+A256KW', 'RSA-OAEP-256'] });
  });
});
