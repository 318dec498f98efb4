import { z } from 'zod';

/**
 * The format of policies/agencies.yaml: the partner agencies that signed the
 * ISP. Roles are what rules name; ids are what certificates and routes name.
 */

const code = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case code (letters, digits, hyphens)');

/**
 * A certificate reference: `sha256:` and an `x5t#S256` thumbprint (base64url
 * SHA-256 of the DER certificate, RFC 7515 s.4.1.8), or a path to a PEM file.
 */
const certificateRef = z
  .string()
  .min(1)
  .refine(
    (value) => (value.startsWith('sha256:') ? /^sha256:[A-Za-z0-9_-]{43}$/.test(value) : value.endsWith('.pem')),
    'expected a path to a .pem file, or `sha256:` and a 43-character base64url thumbprint',
  );

export const deliverySchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('push'),
    url: z
      .string()
      .url()
      .refine((value) => value.startsWith('https://'), 'a push endpoint must be an https:// URL'),
  }),
  z.strictObject({ mode: z.literal('pull') }),
]);

export const agencyEntrySchema = z.strictObject({
  id: code,
  name: z.string().min(1).max(200),
  role: code,
  area: z.string().min(1).max(100),
  /** Signing and TLS: the agency's identity on every connection and JWS. */
  certificate: certificateRef,
  /**
   * Optional: the certificate deliveries are encrypted to, when the agency
   * keeps a separate, encryption-only key for that (RSA, P-256 or X25519:
   * keyEncipherment or keyAgreement only; certs-example uses RSA-2048, the
   * cheapest for the hub to seal to). Absent: `certificate` serves for
   * encryption too.
   */
  encryptionCertificate: z
    .string()
    .min(1)
    // A pin is not enough here: the hub learns a pinned certificate from the
    // agency's TLS connections, and an encryption-only key can never make one.
    .refine((value) => value.endsWith('.pem') && !value.startsWith('sha256:'), 'expected a path to a .pem file (an encryption certificate cannot be pinned by thumbprint)')
    .optional(),
  delivery: deliverySchema,
  designatedOfficer: z.strictObject({
    name: z.string().min(1).max(200),
    email: z.string().email(),
  }),
});

export const agenciesFileSchema = z.strictObject({
  version: z.literal(1),
  agencies: z.array(agencyEntrySchema).min(1),
});

export type AgencyEntry = z.output<typeof agencyEntrySchema>;
export type Delivery = z.output<typeof deliverySchema>;
