import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toPublicJwk } from '../http/jwks.js';
import { createTrustStore, issueCertificate, loadCaDirectory, openRevocationList, readCertificatePem, thumbprintS256 } from '../pki/index.js';
import { createHubKeyCache, type CertificateCheck } from './hub-keys.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../certs-example');
const read = (relative: string) => readFileSync(path.join(examples, relative), 'utf8');
const chainPem = read('ca/cert.pem');

async function hubCheck(): Promise<CertificateCheck> {
  const trust = createTrustStore({
    caCertificates: [readCertificatePem(chainPem)],
    revocations: await openRevocationList(path.join(examples, 'ca/revocations.json')),
  });
  return (certificate, usage, chain) => void trust.verify(certificate, { usage, intermediates: chain });
}

/** The JWK the hub would publish for one of its encryption certificates. */
function encJwk(certificatePem: string) {
  const certificate = new X509Certificate(certificatePem);
  return toPublicJwk({ kid: thumbprintS256(certificate), use: 'enc', alg: 'unused', key: certificate.publicKey, certificateChain: [certificate, readCertificatePem(chainPem)] });
}

describe('the SDK picks the hub encryption key to seal to', () => {
  const rsa = read('hub/encryption-rsa-cert.pem');
  const p256 = read('hub/encryption-p256-cert.pem');
  /** certs-example has no hub X25519 key; an operator adds one like this. */
  async function issueX25519(): Promise<string> {
    const { ca } = await loadCaDirectory(path.join(examples, 'ca'));
    return (await issueCertificate(ca, { kind: 'hub-encryption', algorithm: 'X25519' })).certificatePem;
  }

  it('takes the type cheapest for the hub to open, X25519, wherever it is in the JWKS', async () => {
    const x25519 = await issueX25519();
    const keys = createHubKeyCache(async () => ({ keys: [encJwk(rsa), encJwk(p256), encJwk(x25519)] }), await hubCheck());
    expect((await keys.encryptionKey()).kid).toBe(thumbprintS256(new X509Certificate(x25519)));
  });

  it('prefers P-256 to RSA when the hub publishes no X25519 key, as with certs-example', async () => {
    const keys = createHubKeyCache(async () => ({ keys: [encJwk(rsa), encJwk(p256)] }), await hubCheck());
    expect((await keys.encryptionKey()).kid).toBe(thumbprintS256(new X509Certificate(p256)));
  });

  it('takes the one key of a hub that publishes one', async () => {
    const keys = createHubKeyCache(async () => ({ keys: [encJwk(rsa)] }), await hubCheck());
    expect((await keys.encryptionKey()).kid).toBe(thumbprintS256(new X509Certificate(rsa)));
  });

  it('refuses a published key whose certificate the scheme CA did not issue for encryption', async () => {
    const signing = read('hub/signing-cert.pem');
    const keys = createHubKeyCache(async () => ({ keys: [encJwk(signing)] }), await hubCheck());
    await expect(keys.encryptionKey()).rejects.toMatchObject({ code: 'CERT_KEY_USAGE' });
  });

  it('answers UNAVAILABLE when the hub publishes no encryption key', async () => {
    const keys = createHubKeyCache(async () => ({ keys: [] }), await hubCheck());
    await expect(keys.encryptionKey()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
