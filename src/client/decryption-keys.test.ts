import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { open, seal, type DecryptionKey } from '../envelope/index.js';
import { loadCaDirectory } from '../pki/ca-directory.js';
import { issueCertificate } from '../pki/issue-certificate.js';
import { thumbprintS256 } from '../pki/thumbprint.js';
import { AGENCY_FILES } from './agency-files.js';
import { decryptionKeysFor } from './decryption-keys.js';
import { createAgencyClientFromFiles } from './from-files.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../certs-example');
const read = (relative: string) => readFileSync(path.join(examples, relative), 'utf8');
const police = {
  privateKey: createPrivateKey(read('agencies/nv-police/key.pem')),
  certificate: new X509Certificate(read('agencies/nv-police/cert.pem')),
};
const policeEncryption = { privateKeyPem: read('agencies/nv-police/encryption-key.pem'), certificatePem: read('agencies/nv-police/encryption-cert.pem') };
const hubSigner = { privateKey: createPrivateKey(read('hub/signing-key.pem')), certificate: new X509Certificate(read('hub/signing-cert.pem')) };

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

/** What the hub does: sign as the hub, encrypt to one certificate of nv-police under its thumbprint. */
async function sealTo(certificatePem: string): Promise<string> {
  const certificate = new X509Certificate(certificatePem);
  const now = Math.floor(Date.now() / 1000);
  return seal({
    claims: { iss: 'isp-hub', aud: 'nv-police', iat: now, exp: now + 600, jti: `test-${now}`, type: 'arrest-notification' },
    signer: hubSigner,
    recipient: { publicKey: certificate.publicKey, kid: thumbprintS256(certificate) },
  });
}

function openWith(decryptionKeys: readonly DecryptionKey[], jwe: string) {
  return open(jwe, {
    decryptionKeys,
    resolveSigner: async () => ({ publicKey: hubSigner.certificate.publicKey, certificate: hubSigner.certificate }),
    audience: 'nv-police',
    clockSkewSeconds: 60,
    maxLifetimeSeconds: 3600,
    maxBytes: 64 * 1024,
  });
}

describe('an agency client opens deliveries with its encryption key and its main key', () => {
  it('holds the encryption key under its certificate thumbprint first, then the main key', () => {
    const keys = decryptionKeysFor(police, policeEncryption);
    expect(keys.map((key) => key.kid)).toEqual([thumbprintS256(new X509Certificate(policeEncryption.certificatePem)), thumbprintS256(police.certificate)]);
    expect(keys.map((key) => key.privateKey.asymmetricKeyType)).toEqual(['rsa', 'ec']);
    expect(decryptionKeysFor(police, undefined).map((key) => key.kid)).toEqual([thumbprintS256(police.certificate)]);
  });

  it('opens an RSA-OAEP-256 delivery and a P-256 one (sealed before the change) with the same keys', async () => {
    const keys = decryptionKeysFor(police, policeEncryption);
    const toEncryption = await sealTo(policeEncryption.certificatePem);
    expect(decodeProtectedHeader(toEncryption)).toMatchObject({ alg: 'RSA-OAEP-256' });
    await expect(openWith(keys, toEncryption)).resolves.toMatchObject({ claims: { aud: 'nv-police' } });
    const toMain = await sealTo(read('agencies/nv-police/cert.pem'));
    expect(decodeProtectedHeader(toMain)).toMatchObject({ epk: { crv: 'P-256' } });
    await expect(openWith(keys, toMain)).resolves.toMatchObject({ claims: { aud: 'nv-police' } });
    // Without the encryption pair, a delivery sealed to it is for a key this client does not hold.
    await expect(openWith(decryptionKeysFor(police, undefined), toEncryption)).rejects.toMatchObject({ code: 'JWE_UNKNOWN_KID' });
  });

  it('keeps replaced encryption pairs after the current one: what was sealed to them still opens, and only with them', async () => {
    const ca = await loadCaDirectory(path.join(examples, 'ca'));
    const replacement = await issueCertificate(ca.ca, { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'X25519' });
    const current = { privateKeyPem: replacement.privateKeyPem ?? '', certificatePem: replacement.certificatePem };
    const keys = decryptionKeysFor(police, current, [policeEncryption]);
    expect(keys.map((key) => key.kid)).toEqual([
      thumbprintS256(new X509Certificate(current.certificatePem)),
      thumbprintS256(new X509Certificate(policeEncryption.certificatePem)),
      thumbprintS256(police.certificate),
    ]);
    const toReplaced = await sealTo(policeEncryption.certificatePem);
    await expect(openWith(keys, toReplaced)).resolves.toMatchObject({ claims: { aud: 'nv-police' } });
    await expect(openWith(keys, await sealTo(current.certificatePem))).resolves.toMatchObject({ claims: { aud: 'nv-police' } });
    await expect(openWith(decryptionKeysFor(police, current), toReplaced)).rejects.toMatchObject({ code: 'JWE_UNKNOWN_KID' });
    const mismatched = { privateKeyPem: read('agencies/nv-housing/encryption-key.pem'), certificatePem: policeEncryption.certificatePem };
    expect(() => decryptionKeysFor(police, current, [mismatched])).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('previous encryption') }));
    expect(() => decryptionKeysFor(police, undefined, [policeEncryption])).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses an encryption key that does not belong to its certificate', () => {
    const mismatched = { privateKeyPem: read('agencies/nv-housing/encryption-key.pem'), certificatePem: policeEncryption.certificatePem };
    expect(() => decryptionKeysFor(police, mismatched)).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('from files: refuses a folder with half an encryption pair, and takes the whole pair', async () => {
    const agencyDir = await mkdtemp(path.join(tmpdir(), 'agency-files-'));
    scratch.push(agencyDir);
    for (const name of [AGENCY_FILES.certificate, AGENCY_FILES.privateKey, AGENCY_FILES.encryptionCertificate]) {
      await copyFile(path.join(examples, 'agencies/nv-police', name), path.join(agencyDir, name));
    }
    const files = { hubUrl: 'https://127.0.0.1:1', agencyId: 'nv-police', agencyDir, caCertFile: path.join(examples, 'ca/cert.pem') };
    await expect(createAgencyClientFromFiles(files)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/has encryption-cert\.pem but no encryption-key\.pem/),
    });
    await copyFile(path.join(examples, 'agencies/nv-police', AGENCY_FILES.encryptionPrivateKey), path.join(agencyDir, AGENCY_FILES.encryptionPrivateKey));
    const client = await createAgencyClientFromFiles(files);
    client.close();
    // The same rule for the kept, replaced pair.
    await copyFile(path.join(examples, 'agencies/nv-police', AGENCY_FILES.encryptionCertificate), path.join(agencyDir, AGENCY_FILES.previousEncryptionCertificate));
    await expect(createAgencyClientFromFiles(files)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/has encryption-cert\.previous\.pem but no encryption-key\.previous\.pem/),
    });
  });
});
