import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ENCRYPTION_KEY_TYPES_BY_SPEED, encryptionKeyTypeOf, type EncryptionKeyType } from '../envelope/index.js';
import { HubError } from '../errors.js';
import {
  HUB_ENCRYPTION_FILES,
  ISSUED_FILES,
  issueCertificate,
  keyAlgorithmOf,
  readCertificatePem,
  writeIssuedCertificate,
  type CertificateAuthority,
} from '../pki/index.js';
import { fileExists, readKeyPair, type HubKeyPair, type KeyPairFiles } from './hub-key-files.js';

/**
 * The hub's encryption keys in one folder: at most one per key type
 * (X25519, P-256, RSA), so that a sender whose JOSE library lacks one type
 * uses another, and ordered by ENCRYPTION_KEY_TYPES_BY_SPEED, the hub's order
 * of preference, which is the order the JWKS lists them in.
 *
 * Each type has its own files (HUB_ENCRYPTION_FILES); the single
 * `encryption-cert.pem` pair of a hub made before is read too, as the key of
 * its type. Two current keys of one type are refused: a sender could not
 * tell which to use, and a rotation would not know which to replace.
 */
export async function readEncryptionKeys(dir: string): Promise<HubKeyPair[]> {
  const byType = new Map<EncryptionKeyType, { pair: HubKeyPair; file: string }>();
  for (const files of encryptionKeyFileSets()) {
    if (!(await fileExists(path.join(dir, files.certificate)))) continue;
    const pair = await readKeyPair(dir, files);
    const type = encryptionKeyTypeOf(pair.certificate.publicKey);
    if (!type) throw new HubError('CONFIG_INVALID', `hub encryption key ${path.join(dir, files.certificate)} is of a type no JWE may be encrypted to`);
    const other = byType.get(type);
    if (other) {
      throw new HubError('CONFIG_INVALID', `HUB_CERT_DIR holds two current ${type} encryption keys (${other.file}, ${files.certificate}); keep one`);
    }
    byType.set(type, { pair, file: files.certificate });
  }
  return ENCRYPTION_KEY_TYPES_BY_SPEED.flatMap((type) => {
    const found = byType.get(type);
    return found ? [found.pair] : [];
  });
}

/** Every file name an encryption pair may have in HUB_CERT_DIR, for tools that move them (keys rotate). */
export function encryptionKeyFileSets(): KeyPairFiles[] {
  return [ISSUED_FILES['hub-encryption'], ...Object.values(HUB_ENCRYPTION_FILES)];
}

/**
 * `isp-hub keys rotate` for the encryption keys: each current key, of every
 * type, moves to `previousDir` (where the hub still decrypts with it) and is
 * replaced by a new key of the same type and size, issued by the CA. A key in
 * the older single `encryption-cert.pem` pair is replaced under its type's
 * own name. Returns the new keys' thumbprints by type.
 */
export async function rotateEncryptionKeys(dir: string, previousDir: string, ca: CertificateAuthority, hubId: string): Promise<Record<string, string>> {
  const rotated: Record<string, string> = {};
  // Which pairs exist is settled first: a pair renamed to its type's own files below must not be rotated a second time.
  const present: KeyPairFiles[] = [];
  for (const files of encryptionKeyFileSets()) if (await fileExists(path.join(dir, files.certificate))) present.push(files);
  for (const files of present) {
    const certificateFile = path.join(dir, files.certificate);
    for (const name of [files.certificate, files.privateKey, files.chain]) await copyFile(path.join(dir, name), path.join(previousDir, name));
    const current = readCertificatePem(await readFile(certificateFile, 'utf8'));
    // Like for like: an X25519 key is replaced by an X25519 one, RSA-3072 by RSA-3072.
    const issued = await issueCertificate(ca, { kind: 'hub-encryption', id: hubId, algorithm: keyAlgorithmOf(current.publicKey) });
    const written = await writeIssuedCertificate(dir, issued);
    if (path.resolve(written.certificate) !== path.resolve(certificateFile)) {
      await rm(certificateFile);
      await rm(path.join(dir, files.privateKey));
    }
    rotated[encryptionKeyTypeOf(issued.certificate.publicKey) ?? issued.algorithm] = issued.thumbprint;
  }
  if (Object.keys(rotated).length === 0) throw new HubError('CONFIG_INVALID', `${dir} holds no hub encryption key to rotate`);
  return rotated;
}
