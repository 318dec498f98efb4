import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * Throw-away certificates for the HTTP tests (synthetic Northvale agencies):
 * a scheme CA, the hub's TLS certificate, agency client certificates and the
 * misfits (another CA, expired). Keys are EC P-256, made fresh per test file.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  x509: X509Certificate;
}

export interface TestCa extends IssuedCertificate {
  issue(options: { commonName: string; usage: 'server' | 'client'; notBefore?: Date; notAfter?: Date; serial?: string }): Promise<IssuedCertificate>;
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

let serialCounter = 1;
function nextSerial(): string {
  serialCounter += 1;
  return (0x1000 + serialCounter).toString(16).padStart(4, '0');
}

export async function createTestCa(name = 'Northvale Test Scheme CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}, O=Northvale PPO Scheme`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const certPem = caCert.toString('pem');
  return {
    certPem,
    keyPem: await exportKeyPem(keys.privateKey),
    x509: new X509Certificate(certPem),
    async issue({ commonName, usage, notBefore, notAfter, serial }) {
      const leafKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial ?? nextSerial(),
        subject: `CN=${commonName}, O=Northvale PPO Scheme`,
        issuer: caCert.subject,
        notBefore: notBefore ?? new Date(now - DAY),
        notAfter: notAfter ?? new Date(now + 90 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: algorithm,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
          ...(usage === 'server' ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }])] : []),
        ],
      });
      const leafPem = leaf.toString('pem');
      return { certPem: leafPem, keyPem: await exportKeyPem(leafKeys.privateKey), x509: new X509Certificate(leafPem) };
    },
  };
}
