import { X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { HubError } from '../../errors.js';
import { thumbprintS256 } from '../../pki/thumbprint.js';

/**
 * A checkpoint: the hub's signed statement "my log had `treeSize` entries and
 * this root at `time`". It is a compact JWS (RFC 7515 s.7.1) signed with ES256
 * (ECDSA P-256 + SHA-256, RFC 7518 s.3.4) under the hub's signing key; the
 * header names the signing certificate by `x5t#S256` (RFC 7515 s.4.1.8).
 * The payload is RFC 8785 canonical JSON.
 */
export const CHECKPOINT_TYP = 'isp-audit-checkpoint+jws';
export const CHECKPOINT_ALG = 'ES256';

const base64Hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected a base64 SHA-256 hash');

export const checkpointSchema = z.strictObject({
  origin: z.string().min(1).max(64),
  treeSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  rootHash: base64Hash,
  time: z.string().datetime({ offset: false }),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export interface SignedCheckpoint {
  jws: string;
  checkpoint: Checkpoint;
}

function invalid(reason: string): HubError {
  return new HubError('AUDIT_PROOF_INVALID', `checkpoint rejected: ${reason}`, { reason });
}

function readCertificate(certificate: X509Certificate | string | Buffer): X509Certificate {
  if (certificate instanceof X509Certificate) return certificate;
  try {
    return new X509Certificate(certificate);
  } catch {
    throw new HubError('CERT_MALFORMED', 'the hub certificate cannot be read');
  }
}

/** One hub signing certificate, or every one the hub has used (its published history). */
export type HubCertificates = X509Certificate | string | Buffer | readonly (X509Certificate | string | Buffer)[];

/** The certificates as X509Certificate objects; a PEM text may hold several (a bundle). */
export function readHubCertificates(certificates: HubCertificates): X509Certificate[] {
  const list = Array.isArray(certificates) ? certificates : [certificates as X509Certificate | string | Buffer];
  return list.flatMap((item) => {
    if (item instanceof X509Certificate) return [item];
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : item;
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    return blocks && blocks.length > 1 ? blocks.map(readCertificate) : [readCertificate(item)];
  });
}

/**
 * Checks a checkpoint JWS and returns its payload. Only ES256 is accepted
 * (the algorithm is pinned, RFC 8725 s.3.1), and the checkpoint is checked
 * against the one certificate its header names by x5t#S256: after key
 * rotations a verifier holds every certificate the hub has used
 * (docs/audit-format.md "Keys and rotation"), and each checkpoint picks its own.
 */
export async function verifyCheckpoint(jws: string, hubCertificates: HubCertificates): Promise<Checkpoint> {
  const certificates = readHubCertificates(hubCertificates);
  if (typeof jws !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws.trim())) throw invalid('not a compact JWS');
  const compact = jws.trim();
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(compact);
  } catch {
    throw invalid('header unreadable');
  }
  if (header.alg !== CHECKPOINT_ALG) throw invalid('algorithm not ES256');
  if (header.typ !== CHECKPOINT_TYP) throw invalid('wrong typ');
  const certificate = certificates.find((candidate) => thumbprintS256(candidate) === header['x5t#S256']);
  if (!certificate) throw invalid('signed under another certificate');
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new HubError('CERT_KEY_UNSUPPORTED', 'the hub signing certificate must carry a P-256 key');
  }
  if (header.crit !== undefined) throw invalid('unexpected crit header');
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(compact, key, { algorithms: [CHECKPOINT_ALG] }));
  } catch {
    throw invalid('bad signature');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw invalid('payload is not JSON');
  }
  const result = checkpointSchema.safeParse(parsed);
  if (!result.success) throw invalid('payload does not match the checkpoint format');
  return result.data;
}

/** The x5t#S256 a checkpoint's header names (unverified: for reporting which key it claims). */
export function checkpointKeyId(jws: string): string | undefined {
  try {
    const named = decodeProtectedHeader(jws.trim())['x5t#S256'];
    return typeof named === 'string' ? named : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a checkpoint's payload WITHOUT checking its signature (for display and lookup only). */
export function readCheckpointUnverified(jws: string): Checkpoint {
  const parts = jws.split('.');
  const payload = parts[1];
  if (parts.length !== 3 || payload === undefined) throw invalid('not a compact JWS');
  try {
    return checkpointSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw invalid('payload does not match the checkpoint format');
  }
}
