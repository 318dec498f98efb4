import { X509Certificate } from 'node:crypto';
import { HubError } from '../errors.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/**
 * Every certificate in a PEM text (RFC 7468 s.5), in order. Text between
 * blocks (openssl's "subject=" lines, comments) is ignored. A text with no
 * certificate, or a block that does not parse, is refused as CERT_MALFORMED.
 */
export function readCertificatesPem(text: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const match of text.matchAll(CERTIFICATE_BLOCK)) {
    const der = Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64');
    certificates.push(parseCertificateDer(der));
  }
  if (certificates.length === 0) throw new HubError('CERT_MALFORMED', 'no PEM certificate found');
  return certificates;
}

/** Exactly one certificate from PEM text. */
export function readCertificatePem(text: string): X509Certificate {
  const [first, ...rest] = readCertificatesPem(text);
  if (!first || rest.length > 0) throw new HubError('CERT_MALFORMED', 'expected exactly one PEM certificate');
  return first;
}

export function parseCertificateDer(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new HubError('CERT_MALFORMED', 'certificate could not be parsed');
  }
}

/** PEM with 64-character lines, as RFC 7468 s.2 asks of generators. */
export function certificateToPem(certificate: X509Certificate | Buffer): string {
  const der = Buffer.isBuffer(certificate) ? certificate : certificate.raw;
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function certificatesToPem(certificates: readonly X509Certificate[]): string {
  return certificates.map((certificate) => certificateToPem(certificate)).join('');
}
