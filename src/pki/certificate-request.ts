import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { HubError } from '../errors.js';
import { generateKeyPair, keyAlgorithmOf, parseKeyAlgorithm, privateKeyToPem, signatureParametersFor, toWebCryptoSigningKey, type KeyAlgorithm } from './keys.js';
import { parseIdentifier } from './subject.js';
import { x509, type SigningAlgorithm } from './x509-library.js';

/**
 * Certificate signing requests (PKCS#10, RFC 2986): how an agency gets a
 * certificate for a key it made itself, so that the scheme operator never
 * holds the agency's signing key and a signature keeps proving who sent a
 * message.
 *
 * What the CA takes from a request is the public key and nothing else: the
 * request's signature proves the requester holds the private half (RFC 2986
 * s.3, proof of possession), and the subject and extensions of the
 * certificate come from the CA's own profile for the kind (issue-certificate.ts).
 * The requested subject and extensions are only read to refuse a request
 * that asks to be a CA, which no scheme party may be.
 */

const CSR_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]*?)-----END (NEW )?CERTIFICATE REQUEST-----/;
/** A CSR is a few hundred bytes (RSA-8192: ~1.5 KB); anything far larger is not one. */
const MAX_CSR_BYTES = 64 * 1024;
/** RFC 2986 signature hashes the scheme accepts; SHA-1 is refused (collisions, RFC 9155 / NIST SP 800-131A). */
const ACCEPTED_HASHES = new Set(['SHA-256', 'SHA-384', 'SHA-512']);

export interface CertificateRequest {
  /** The key the request asks to have certified: what the CA certifies, if it signs. */
  readonly publicKey: KeyObject;
  readonly algorithm: KeyAlgorithm;
  /** The subject as the requester wrote it, for the operator to read; never copied into a certificate. */
  readonly requestedSubject: string;
}

/** Reads a CSR from PEM ("CERTIFICATE REQUEST", or openssl's older "NEW CERTIFICATE REQUEST") or DER. */
function parseRequest(input: string | Buffer): x509.Pkcs10CertificateRequest {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length === 0 || bytes.length > MAX_CSR_BYTES) throw new HubError('CSR_MALFORMED', `a certificate signing request is 1 to ${MAX_CSR_BYTES} bytes`);
  const text = bytes.toString('latin1');
  const pem = CSR_BLOCK.exec(text);
  let der: Buffer;
  if (pem) der = Buffer.from((pem[2] ?? '').replace(/\s+/g, ''), 'base64');
  else if (text.includes('-----BEGIN')) throw new HubError('CSR_MALFORMED', 'the file holds PEM, but no CERTIFICATE REQUEST block');
  else der = bytes;
  try {
    return new x509.Pkcs10CertificateRequest(der);
  } catch {
    throw new HubError('CSR_MALFORMED', 'the certificate signing request could not be parsed (expected PKCS#10, RFC 2986, as PEM or DER)');
  }
}

function requestedKey(csr: x509.Pkcs10CertificateRequest): { publicKey: KeyObject; algorithm: KeyAlgorithm } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw new HubError('CERT_KEY_UNSUPPORTED', 'the public key in the request is of a type the scheme does not accept: use P-256, Ed25519 or RSA-2048 and up');
  }
  // keyAlgorithmOf refuses other curves, DSA, and RSA below 2048 bits, each with its own message.
  const algorithm = keyAlgorithmOf(publicKey);
  if (algorithm === 'X25519') {
    throw new HubError('CERT_KEY_UNSUPPORTED', 'an X25519 key cannot sign, so it cannot prove possession in a request; ask the operator to issue it, or request P-256 or RSA');
  }
  return { publicKey, algorithm };
}

async function assertSignedByItsKey(csr: x509.Pkcs10CertificateRequest): Promise<void> {
  const { hash } = csr.signatureAlgorithm as { hash?: { name?: string } };
  const hashName = hash?.name?.toUpperCase();
  const isEd25519 = (csr.signatureAlgorithm as { name?: string }).name === 'Ed25519';
  if (!isEd25519 && (hashName === undefined || !ACCEPTED_HASHES.has(hashName))) {
    throw new HubError('CSR_SIGNATURE_INVALID', 'the request is signed with a hash the scheme refuses: sign it with SHA-256 (or SHA-384, SHA-512)');
  }
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new HubError('CSR_SIGNATURE_INVALID', 'the request is not signed by the private half of the key it carries (proof of possession failed)');
}

/** RFC 5280 s.4.2.1.9 and s.4.2.1.3: a request for cA=true or for certificate or CRL signing asks to be a CA. */
function assertNotAskingForCa(csr: x509.Pkcs10CertificateRequest): void {
  let extensions: x509.Extension[];
  try {
    extensions = csr.extensions;
  } catch {
    throw new HubError('CSR_MALFORMED', 'the extensions the request asks for could not be parsed');
  }
  for (const extension of extensions) {
    if (extension instanceof x509.BasicConstraintsExtension && extension.ca) {
      throw new HubError('CSR_CA_REQUESTED', 'the request asks to be a CA (basicConstraints cA=true); the scheme CA issues only end-entity certificates');
    }
    if (extension instanceof x509.KeyUsagesExtension && (extension.usages & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)) !== 0) {
      throw new HubError('CSR_CA_REQUESTED', 'the request asks for keyCertSign or cRLSign, which only a CA has');
    }
  }
}

/**
 * Reads and checks a CSR: parse (CSR_MALFORMED), key type and size
 * (CERT_KEY_UNSUPPORTED, before any signature check, so no verifier ever
 * sees a key the scheme refuses), a request to be a CA (CSR_CA_REQUESTED),
 * then the request's own signature (CSR_SIGNATURE_INVALID).
 */
export async function readCertificateRequest(input: string | Buffer): Promise<CertificateRequest> {
  const csr = parseRequest(input);
  const { publicKey, algorithm } = requestedKey(csr);
  assertNotAskingForCa(csr);
  await assertSignedByItsKey(csr);
  return Object.freeze({ publicKey, algorithm, requestedSubject: csr.subject });
}

export interface CreatedCertificateRequest {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly csrPem: string;
}

/**
 * What `isp-hub certs request` makes at the agency: a fresh key pair and a
 * CSR signed by it. The subject (CN=<id>, OU=<role>) only tells the operator
 * who is asking; the certificate's subject is the CA's to write.
 */
export async function createCertificateRequest(options: { id: string; role?: string; algorithm?: string }): Promise<CreatedCertificateRequest> {
  const id = parseIdentifier(options.id, 'id');
  const role = options.role === undefined ? undefined : parseIdentifier(options.role, 'role');
  const algorithm = parseKeyAlgorithm(options.algorithm ?? 'P-256');
  if (algorithm === 'X25519') {
    throw new HubError('CERT_KEY_UNSUPPORTED', 'an X25519 key cannot sign, so it cannot make a certificate signing request; request P-256 or RSA, or ask the operator to issue an X25519 certificate');
  }
  const keys = generateKeyPair(algorithm);
  const { importParams, signingAlgorithm } = signatureParametersFor(algorithm);
  const publicKey = await webcrypto.subtle.importKey('spki', keys.publicKey.export({ type: 'spki', format: 'der' }), importParams, true, ['verify']);
  const privateKey = await toWebCryptoSigningKey(keys.privateKey, algorithm);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [id] }, ...(role === undefined ? [] : [{ OU: [role] }])],
    keys: { publicKey, privateKey },
    signingAlgorithm: signingAlgorithm as SigningAlgorithm,
  });
  return Object.freeze({ algorithm, privateKey: keys.privateKey, privateKeyPem: privateKeyToPem(keys.privateKey), csrPem: csr.toString('pem') });
}
