/**
 * Regenerates certs-example/: a demonstration scheme CA, the hub's signing
 * and TLS certificates and its encryption certificates (P-256 and RSA-2048;
 * no X25519 one, docs/envelope.md),
 * two certificates for every agency in policies/agencies.yaml (P-256 for
 * signing and TLS, RSA-2048 for encryption), and two broken police
 * certificates for tests (one expired, one revoked).
 *
 *   npm run certs:example            # writes ./certs-example
 *   npx tsx scripts/make-example-certs.ts OUT_DIR
 *
 * Every private key written here is PUBLIC on purpose: the CA is marked
 * "DEMONSTRATION ONLY" and the hub refuses it when NODE_ENV=production.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { initCaDirectory, issueCertificate, writeIssuedCertificate } from '../src/pki/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DAY_MS = 86_400_000;

/** Only what this script needs from policies/agencies.yaml; src/registry validates the rest. */
const agenciesSchema = z.object({
  agencies: z.array(z.object({ id: z.string(), role: z.string() })).min(1),
});

const README = `# certs-example: DEMONSTRATION CERTIFICATES - THE PRIVATE KEYS ARE PUBLIC

**Every private key in this folder is published on purpose.** They exist so
that the hub, the tests and the demo run on a fresh clone with no set-up.
Anyone can read them, so anyone can impersonate every party below.

- Use them for demonstration and tests only. Never for real data.
- The CA is marked \`DEMONSTRATION ONLY\` in its subject O, and so is every
  certificate it issued. Every private key file says so too, in a line above
  its PEM block (PEM readers skip text outside the block, RFC 7468 s.2).
- **The hub refuses any certificate chained to this CA when
  \`NODE_ENV=production\`** (error \`CERT_DEMO_IN_PRODUCTION\`). For a real
  scheme create your own CA: \`isp-hub certs init --dir <secure place>\`.

Regenerate everything with \`npm run certs:example\` (scripts/make-example-certs.ts).
The CA, the hub's signing and TLS keys and every agency's main key are EC
P-256. Every agency's encryption key is RSA-2048 (RSA-OAEP-256): a type every
mainstream JOSE library supports, and the fastest of those
(docs/envelope.md "Default"). The hub holds two encryption keys, P-256 (the
cheaper for the hub to open, which the SDK uses) and RSA-2048, which every
mainstream JOSE library supports; its JWKS lists them in that order. There is
no hub X25519 key: go-jose refuses a whole JWK Set that holds one, and .NET
and the C \`jose\` tool cannot use it. An operator who wants it adds it with
\`isp-hub certs issue --kind hub-encryption --algorithm X25519 --ca
certs-example/ca\` (written as \`hub/encryption-x25519-cert.pem\`; the hub then
lists it first). No certificate carries a certificate policies extension, so
all of them parse in Debian's python3-cryptography and Go's crypto/x509 as
well as OpenSSL. The CA is valid for 10 years, the rest for 5.

| path | what |
|---|---|
| \`ca/cert.pem\`, \`ca/key.pem\` | the demonstration scheme CA |
| \`ca/revocations.json\` | the revocation list (lists \`test-only/revoked-police\`) |
| \`hub/signing-cert.pem\`, \`signing-key.pem\` | the hub's JWS signing key (digitalSignature) |
| \`hub/encryption-p256-cert.pem\`, \`encryption-p256-key.pem\` | the hub's preferred JWE key: P-256 (keyAgreement, ECDH-ES+A256KW) |
| \`hub/encryption-rsa-cert.pem\`, \`encryption-rsa-key.pem\` | and RSA-2048 (keyEncipherment, RSA-OAEP-256) |
| \`hub/tls-cert.pem\`, \`tls-key.pem\` | the hub's TLS server/client certificate (localhost, 127.0.0.1, ::1) |
| \`hub/chain.pem\`, \`agencies/*/chain.pem\` | the issuing CA certificate (not the leaf) |
| \`agencies/<agency id>/cert.pem\`, \`key.pem\` | one per agency of policies/agencies.yaml: CN=agency id, OU=role; P-256 for JWS signing and TLS client and server (digitalSignature, keyAgreement) |
| \`agencies/<agency id>/encryption-cert.pem\`, \`encryption-key.pem\` | the agency's JWE key: RSA-2048 (keyEncipherment only, no TLS purposes: RSA-OAEP-256), named as \`encryptionCertificate\` in policies/agencies.yaml; the hub encrypts deliveries to it |
| \`test-only/expired-police/\` | an nv-police certificate whose validity has ended (tests expect \`CERT_EXPIRED\`) |
| \`test-only/revoked-police/\` | an nv-police certificate listed in \`ca/revocations.json\` (tests expect \`CERT_REVOKED\`) |

See docs/pki.md for the subject encoding, key usages and the libraries used.
`;

export async function makeExampleCerts(outDir: string, agenciesFile: string): Promise<void> {
  const agencies = agenciesSchema.parse(parse(await readFile(agenciesFile, 'utf8'))).agencies;
  for (const part of ['ca', 'hub', 'agencies', 'test-only']) await rm(path.join(outDir, part), { recursive: true, force: true });

  const { ca, revocations } = await initCaDirectory(path.join(outDir, 'ca'), {
    name: 'Northvale PPO Scheme Demonstration CA',
    organisation: 'Northvale PPO Scheme',
    validityDays: 3650,
    algorithm: 'P-256',
    demonstration: true,
  });

  // The hub holds a P-256 and an RSA-2048 encryption key, which every
  // mainstream JOSE library supports, so that every sender finds one. No
  // X25519 key by default: go-jose refuses a whole JWK Set holding an OKP
  // X25519 key, so publishing one could break a partner that never uses it.
  const hubCertificates = [
    { kind: 'hub-signing', algorithm: 'P-256' },
    { kind: 'hub-encryption', algorithm: 'RSA-2048' },
    { kind: 'hub-encryption', algorithm: 'P-256' },
    { kind: 'hub-tls', algorithm: 'P-256' },
  ] as const;
  for (const { kind, algorithm } of hubCertificates) {
    await writeIssuedCertificate(path.join(outDir, 'hub'), await issueCertificate(ca, { kind, algorithm, validityDays: 1825 }));
  }
  // Every agency also gets an RSA-2048 encryption certificate, which its own
  // JOSE library can open whatever it is: the hub seals every delivery to it,
  // and an RSA-OAEP-256 wrap is the cheapest the hub can make
  // (DEFAULT_ENVELOPE_ALGORITHMS). The P-256 one stays for JWS and TLS.
  for (const agency of agencies) {
    const agencyDir = path.join(outDir, 'agencies', agency.id);
    const identity = { kind: 'agency', id: agency.id, role: agency.role, validityDays: 1825 } as const;
    await writeIssuedCertificate(agencyDir, await issueCertificate(ca, { ...identity, algorithm: 'P-256' }));
    await writeIssuedCertificate(agencyDir, await issueCertificate(ca, { ...identity, algorithm: 'RSA-2048', encryptionOnly: true }));
  }

  const now = Date.now();
  const expired = await issueCertificate(ca, {
    kind: 'agency',
    id: 'nv-police',
    role: 'police',
    algorithm: 'P-256',
    notBefore: new Date(now - 2 * 365 * DAY_MS),
    notAfter: new Date(now - 365 * DAY_MS),
  });
  await writeIssuedCertificate(path.join(outDir, 'test-only', 'expired-police'), expired);
  const revoked = await issueCertificate(ca, { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'P-256', validityDays: 1825 });
  await writeIssuedCertificate(path.join(outDir, 'test-only', 'revoked-police'), revoked);
  await revocations.revoke(revoked.serialNumber, 'keyCompromise');

  await writeFile(path.join(outDir, 'README.md'), README);
  await markPrivateKeys(outDir);
}

/** Said in every private key file, above its PEM block, for whoever opens only that file. */
export const DEMONSTRATION_KEY_NOTICE =
  'DEMONSTRATION ONLY: this private key is published with isp-hub (certs-example/) and protects nothing.\n' +
  'Never use it for real data. The hub refuses it when NODE_ENV=production. See certs-example/README.md.\n\n';

async function markPrivateKeys(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/key(\.previous)?\.pem$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    await writeFile(file, DEMONSTRATION_KEY_NOTICE + (await readFile(file, 'utf8')), { mode: 0o600 });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'certs-example'));
  await makeExampleCerts(outDir, path.join(repoRoot, 'policies', 'agencies.yaml'));
  process.stdout.write(`demonstration certificates written to ${path.relative(process.cwd(), outDir) || '.'}\n`);
}
