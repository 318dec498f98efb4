import { createHash, X509Certificate } from 'node:crypto';

/**
 * The `x5t#S256` value of a certificate: base64url(SHA-256(DER)), as
 * RFC 7515 s.4.1.8 defines it. Used to name signers in JWS headers and to pin
 * agencies' certificates in policies/agencies.yaml.
 */
export function thumbprintS256(certificate: X509Certificate | Buffer): string {
  const der = Buffer.isBuffer(certificate) ? certificate : certificate.raw;
  return createHash('sha256').update(der).digest('base64url');
}
