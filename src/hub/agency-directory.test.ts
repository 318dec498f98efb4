import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTrustStore, readCertificatePem, thumbprintS256 } from '../pki/index.js';
import { loadRegistry, parseRegistry, type Registry } from '../registry/index.js';
import { createAgencyDirectory } from './agency-directory.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(repoRoot, 'certs-example');
const trust = createTrustStore({ caCertificates: [readCertificatePem(readFileSync(path.join(examples, 'ca/cert.pem'), 'utf8'))] });

const thumbprintOf = (relative: string) => thumbprintS256(readCertificatePem(readFileSync(path.join(examples, relative), 'utf8')));

/** One agency, its certificate lines as given, in a file that sits in certs-example/ so paths are short. */
function registryWith(certificateLines: string): Registry {
  const text = `version: 1
agencies:
  - id: nv-police
    name: Northvale Constabulary
    role: police
    area: Northvale
${certificateLines}
    delivery: { mode: pull }
    designatedOfficer: { name: Alex Testperson, email: alex@police.northvale.example }
`;
  const parsed = parseRegistry(path.join(examples, 'agencies.yaml'), text);
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => problem.message).join('; '));
  return parsed.registry;
}

describe('agency directory: the key a delivery is encrypted to', () => {
  it('is the RSA encryption certificate policies/agencies.yaml names, under its own thumbprint', async () => {
    const directory = await createAgencyDirectory(await loadRegistry(path.join(repoRoot, 'policies/agencies.yaml')), trust);
    for (const agencyId of ['nv-police', 'nv-probation']) {
      const key = directory.recipientKey(agencyId);
      expect(key.kid).toBe(thumbprintOf(`agencies/${agencyId}/encryption-cert.pem`));
      expect(key.kid).not.toBe(thumbprintOf(`agencies/${agencyId}/cert.pem`));
      expect(key.publicKey.asymmetricKeyType).toBe('rsa');
    }
  });

  it('is the one P-256 certificate when the agency names no encryption certificate', async () => {
    const directory = await createAgencyDirectory(registryWith('    certificate: agencies/nv-police/cert.pem'), trust);
    const key = directory.recipientKey('nv-police');
    expect(key.kid).toBe(thumbprintOf('agencies/nv-police/cert.pem'));
    expect(key.publicKey.asymmetricKeyType).toBe('ec');
  });

  it('keeps identifying signers by the main certificate only', async () => {
    const directory = await createAgencyDirectory(
      registryWith('    certificate: agencies/nv-police/cert.pem\n    encryptionCertificate: agencies/nv-police/encryption-cert.pem'),
      trust,
    );
    await expect(directory.resolveSigner(thumbprintOf('agencies/nv-police/cert.pem'))).resolves.toMatchObject({ agencyId: 'nv-police' });
    await expect(directory.resolveSigner(thumbprintOf('agencies/nv-police/encryption-cert.pem'))).rejects.toMatchObject({ code: 'JWS_SIGNER_UNKNOWN' });
  });

  it('refuses at load a missing or empty encryption certificate file, naming the agency', async () => {
    const missing = registryWith('    certificate: agencies/nv-police/cert.pem\n    encryptionCertificate: agencies/nv-police/nothing-here.pem');
    await expect(createAgencyDirectory(missing, trust)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/nv-police: cannot read the encryptionCertificate file .*ENOENT/) });
    const notACertificate = registryWith('    certificate: agencies/nv-police/cert.pem\n    encryptionCertificate: agencies/nv-police/encryption-key.pem');
    await expect(createAgencyDirectory(notACertificate, trust)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/holds no readable certificate/) });
  });

  it('refuses at load an encryption certificate that names another agency, or one that cannot agree keys', async () => {
    const mixedUp = registryWith('    certificate: agencies/nv-police/cert.pem\n    encryptionCertificate: agencies/nv-housing/encryption-cert.pem');
    await expect(createAgencyDirectory(mixedUp, trust)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^agency nv-police: .*names another agency/) });
    const signingOnly = registryWith('    certificate: agencies/nv-police/cert.pem\n    encryptionCertificate: hub/signing-cert.pem');
    await expect(createAgencyDirectory(signingOnly, trust)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/is not usable \(CERT_KEY_USAGE\)/) });
  });
});
