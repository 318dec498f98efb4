import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encryptionKeyTypeOf } from '../envelope/index.js';
import { loadConfig } from '../config/index.js';
import { toPublicJwk } from '../http/jwks.js';
import { createTrustStore, issueCertificate, loadCaDirectory, openRevocationList, readCertificatePem, writeIssuedCertificate } from '../pki/index.js';
import { repoRoot } from '../../test/support/cli.js';
import { readEncryptionKeys, rotateEncryptionKeys } from './hub-encryption-keys.js';
import { loadHubKeyRing } from './hub-key-ring.js';

const examples = path.join(repoRoot, 'certs-example');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hub-encryption-keys-'));
  await cp(path.join(examples, 'hub'), dir, { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const typesIn = async (folder: string) => (await readEncryptionKeys(folder)).map((pair) => encryptionKeyTypeOf(pair.certificate.publicKey));

async function issueInto(folder: string, algorithm: string): Promise<void> {
  const { ca } = await loadCaDirectory(path.join(examples, 'ca'));
  await writeIssuedCertificate(folder, await issueCertificate(ca, { kind: 'hub-encryption', algorithm }));
}

describe("the hub's encryption keys", () => {
  it('are one per key type, in the order of ENCRYPTION_KEY_TYPES_BY_SPEED whatever order the files sort in', async () => {
    // encryption-p256 sorts after encryption-rsa, and neither file order nor issue order counts.
    expect(await typesIn(dir)).toEqual(['P-256', 'RSA']);
    await issueInto(dir, 'X25519');
    expect(await typesIn(dir)).toEqual(['X25519', 'P-256', 'RSA']);
    await rm(path.join(dir, 'encryption-p256-cert.pem'));
    expect(await typesIn(dir)).toEqual(['X25519', 'RSA']);
    await issueInto(dir, 'P-256');
    expect(await typesIn(dir)).toEqual(['X25519', 'P-256', 'RSA']);
  });

  it('include the single encryption-cert.pem pair of a hub made before, as the key of its type', async () => {
    await rename(path.join(dir, 'encryption-p256-cert.pem'), path.join(dir, 'encryption-cert.pem'));
    await rename(path.join(dir, 'encryption-p256-key.pem'), path.join(dir, 'encryption-key.pem'));
    expect(await typesIn(dir)).toEqual(['P-256', 'RSA']);
  });

  it('refuse two current keys of one type with CONFIG_INVALID, naming both files', async () => {
    await rename(path.join(dir, 'encryption-rsa-cert.pem'), path.join(dir, 'encryption-cert.pem'));
    await rename(path.join(dir, 'encryption-rsa-key.pem'), path.join(dir, 'encryption-key.pem'));
    await issueInto(dir, 'RSA-3072');
    await expect(readEncryptionKeys(dir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/two current RSA encryption keys \(encryption-cert\.pem, encryption-rsa-cert\.pem\)/),
    });
  });

  it('are none in a folder without any, which the key ring refuses', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'hub-encryption-none-'));
    try {
      expect(await readEncryptionKeys(empty)).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('rotating the encryption keys', () => {
  it('replaces each like for like, moves the old ones to previous/, and renames a single encryption-cert.pem pair to its type', async () => {
    // An X25519 key an operator added, once held as the single encryption-cert.pem pair.
    await issueInto(dir, 'X25519');
    await rename(path.join(dir, 'encryption-x25519-cert.pem'), path.join(dir, 'encryption-cert.pem'));
    await rename(path.join(dir, 'encryption-x25519-key.pem'), path.join(dir, 'encryption-key.pem'));
    const before = await readEncryptionKeys(dir);
    const previousDir = path.join(dir, 'previous');
    await mkdir(previousDir);
    const { ca } = await loadCaDirectory(path.join(examples, 'ca'));
    const rotated = await rotateEncryptionKeys(dir, previousDir, ca, 'isp-hub');

    expect(Object.keys(rotated).sort()).toEqual(['P-256', 'RSA', 'X25519']);
    expect(existsSync(path.join(dir, 'encryption-cert.pem'))).toBe(false);
    expect(existsSync(path.join(dir, 'encryption-x25519-cert.pem'))).toBe(true);
    const after = await readEncryptionKeys(dir);
    expect(after.map((pair) => encryptionKeyTypeOf(pair.certificate.publicKey))).toEqual(['X25519', 'P-256', 'RSA']);
    expect(after.map((pair) => pair.kid)).toEqual([rotated['X25519'], rotated['P-256'], rotated['RSA']]);
    // The replaced keys still decrypt: the key ring reads them from previous/.
    expect((await readEncryptionKeys(previousDir)).map((pair) => pair.kid)).toEqual(before.map((pair) => pair.kid));
  });

  it('refuses a folder with no encryption key', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'hub-rotate-none-'));
    try {
      const { ca } = await loadCaDirectory(path.join(examples, 'ca'));
      await expect(rotateEncryptionKeys(empty, empty, ca, 'isp-hub')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('with no configuration (npm start)', () => {
  it('the hub publishes exactly a P-256 and an RSA encryption key, in that order, and no OKP key', async () => {
    const config = loadConfig({});
    const trust = createTrustStore({
      caCertificates: [readCertificatePem(await readFile(path.resolve(repoRoot, config.CA_CERT), 'utf8'))],
      revocations: await openRevocationList(path.resolve(repoRoot, config.REVOCATION_LIST)),
    });
    const keys = await loadHubKeyRing(path.resolve(repoRoot, config.HUB_CERT_DIR), trust);
    const published = keys.publicKeys().map(toPublicJwk);
    expect(published.filter((jwk) => jwk.use === 'enc').map((jwk) => [jwk.kty, jwk.crv, jwk.alg])).toEqual([
      ['EC', 'P-256', 'ECDH-ES+A256KW'],
      ['RSA', undefined, 'RSA-OAEP-256'],
    ]);
    // go-jose refuses a whole JWK Set holding an OKP X25519 key, so the default set holds no OKP key at all.
    expect(published.filter((jwk) => jwk.kty === 'OKP')).toEqual([]);
    expect(keys.decryptionKeys()).toHaveLength(2);
  });
});
