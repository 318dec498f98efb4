import { decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { open, seal, type OpenOptions } from './index.js';
import {
  countingResolver,
  createTestCa,
  createTestRecipient,
  createTestSigner,
  testClaims,
  type TestCa,
} from './test-fixtures.js';

const PAIRS = [
  { signer: 'P-256', recipient: 'P-256', jws: 'ES256', jwe: 'ECDH-ES+A256KW' },
  { signer: 'Ed25519', recipient: 'X25519', jws: 'EdDSA', jwe: 'ECDH-ES+A256KW' },
  { signer: 'RSA-2048', recipient: 'RSA-2048', jws: 'PS256', jwe: 'RSA-OAEP-256' },
  // The default pair (docs/envelope.md): P-256 signing key, RSA-2048 encryption key.
  { signer: 'P-256', recipient: 'RSA-2048', jws: 'ES256', jwe: 'RSA-OAEP-256' },
] as const;

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});

describe('seal and open round trip', () => {
  for (const pair of PAIRS) {
    it(`${pair.jws} inside ${pair.jwe} (${pair.signer} signer, ${pair.recipient} recipient)`, async () => {
      const signer = await createTestSigner(ca, pair.signer);
      const recipient = createTestRecipient(pair.recipient);
      const claims = testClaims({ to: ['northvale-probation'] });
      const resolver = countingResolver([signer]);
      const options: OpenOptions = {
        decryptionKeys: [createTestRecipient('P-256', 'previous-key'), recipient],
        resolveSigner: resolver.resolve,
        audience: 'isp-hub',
        clockSkewSeconds: 60,
        maxLifetimeSeconds: 3600,
        maxBytes: 64 * 1024,
      };

      const compact = await seal({ claims, signer, recipient });
      const opened = await open(compact, options);

      expect(opened.claims).toEqual(claims);
      expect(opened.signerThumbprint).toBe(signer.thumbprint);
      expect(opened.signer.certificate).toBe(signer.certificate);
      expect(resolver.calls).toEqual([signer.thumbprint]);
      expect(opened.protectedHeaders.jwe).toMatchObject({ alg: pair.jwe, enc: 'A256GCM', cty: 'isp-message+jws', kid: recipient.kid });
      expect(opened.protectedHeaders.jwe).not.toHaveProperty('zip');
      expect(opened.protectedHeaders.jws).toEqual({ alg: pair.jws, typ: 'isp-message+jws', 'x5t#S256': signer.thumbprint });
      expect(decodeProtectedHeader(opened.innerJws)).toEqual(opened.protectedHeaders.jws);
      expect(compact.split('.')).toHaveLength(5);
      expect(opened.innerJws.split('.')).toHaveLength(3);
    });
  }

  it('reseals what it opened to another recipient (the hub path) and the second open sees the same claims', async () => {
    const agency = await createTestSigner(ca, 'P-256');
    const hub = await createTestSigner(ca, 'P-256', { subject: 'CN=isp-hub,O=Northvale Test Scheme' });
    const hubKey = createTestRecipient('P-256', 'hub-enc-1');
    const probationKey = createTestRecipient('RSA-2048', 'northvale-probation-enc');
    const common = { clockSkewSeconds: 60, maxLifetimeSeconds: 3600, maxBytes: 64 * 1024 };

    const inbound = await seal({ claims: testClaims(), signer: agency, recipient: hubKey });
    const atHub = await open(inbound, { ...common, decryptionKeys: [hubKey], resolveSigner: countingResolver([agency]).resolve, audience: 'isp-hub' });
    const outbound = await seal({
      claims: { ...atHub.claims, iss: 'isp-hub', aud: 'northvale-probation', jti: `${atHub.claims.jti}:probation` },
      signer: hub,
      recipient: probationKey,
    });
    const atProbation = await open(outbound, {
      ...common,
      decryptionKeys: [probationKey],
      resolveSigner: countingResolver([hub]).resolve,
      audience: 'northvale-probation',
    });

    expect(atProbation.signerThumbprint).toBe(hub.thumbprint);
    expect(atProbation.claims.body).toEqual(atHub.claims.body);
    expect(atProbation.claims.aud).toBe('northvale-probation');
  });

  it('accepts an aud array that contains the audience', async () => {
    const signer = await createTestSigner(ca, 'P-256');
    const recipient = createTestRecipient('P-256');
    const compact = await seal({ claims: testClaims({ aud: ['northvale-yot', 'isp-hub'] }), signer, recipient });
    const opened = await open(compact, {
      decryptionKeys: [recipient],
      resolveSigner: countingResolver([signer]).resolve,
      audience: 'isp-hub',
      clockSkewSeconds: 60,
      maxLifetimeSeconds: 3600,
      maxBytes: 64 * 1024,
    });
    expect(opened.claims.aud).toEqual(['northvale-yot', 'isp-hub']);
  });
});

describe('seal refuses programming mistakes with TypeError', () => {
  it('a certificate that does not carry the signing key', async () => {
    const signer = await createTestSigner(ca, 'P-256');
    const other = await createTestSigner(ca, 'P-256');
    await expect(
      seal({ claims: testClaims(), signer: { privateKey: signer.privateKey, certificate: other.certificate }, recipient: createTestRecipient('P-256') }),
    ).rejects.toThrow(TypeError);
  });

  it('an algorithm that does not fit the key', async () => {
    const signer = await createTestSigner(ca, 'P-256');
    await expect(seal({ claims: testClaims(), signer: { ...signer, alg: 'PS256' }, recipient: createTestRecipient('P-256') })).rejects.toThrow(TypeError);
    await expect(
      seal({ claims: testClaims(), signer, recipient: { ...createTestRecipient('P-256'), alg: 'RSA-OAEP-256' } }),
    ).rejects.toThrow(TypeError);
  });

  it('claims without a jti', async () => {
    const signer = await createTestSigner(ca, 'P-256');
    await expect(seal({ claims: testClaims({ jti: '' }), signer, recipient: createTestRecipient('P-256') })).rejects.toThrow(TypeError);
  });
});
