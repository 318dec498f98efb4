import type { Delivery } from './agency-schema.js';

/**
 * Where an agency's certificate comes from: a PEM file (resolved against the
 * agencies file's folder) or a pinned `x5t#S256` thumbprint. Reading and
 * checking the certificate itself is pki/'s job, not the registry's.
 */
export type CertificateRef = { kind: 'file'; path: string } | { kind: 'thumbprint'; thumbprint: string };

export interface Agency {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly area: string;
  /** Identifies the agency on TLS connections and signs its JWS. */
  readonly certificate: CertificateRef;
  /** What deliveries are encrypted to; the same as `certificate` when the file names no separate one. */
  readonly encryptionCertificate: CertificateRef;
  readonly delivery: Delivery;
  readonly designatedOfficer: { readonly name: string; readonly email: string };
}

/** The least decide() needs to know about a party: who it is and what role it has. */
export interface Party {
  readonly id: string;
  readonly role: string;
}
