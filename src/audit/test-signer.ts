import { X509Certificate, generateKeyPairSync, webcrypto } from 'node:crypto';
import { x509 } from '../pki/x509-library.js';
import type { CheckpointSigner } from './checkpoint-signer.js';

/**
 * For tests and benchmarks only: a fresh P-256 key and a self-signed
 * certificate standing in for the hub's signing certificate
 * (certs-example/hub/signing-cert.pem in a real set-up).
 */
export async function createTestSigner(commonName = 'Northvale Test Hub Signing'): Promise<CheckpointSigner & { certificatePem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `CN=${commonName}`,
    issuer: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600 * 1000),
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    signingKey: signingKey as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
  });
  const certificate = new X509Certificate(Buffer.from(generated.rawData));
  return { privateKey, certificate, certificatePem: certificate.toString() };
}
