/**
 * Regenerates certs-example/: a demonstration scheme CA, the hub's signing,
 * encryption and TLS certificates, two certificates for every agency in
 * policies/agencies.yaml (P-256 for signing and TLS, X25519 for encryption),
 * and two broken police certificates for tests (one expired, one revoked).
 *
 *   npm run certs:example            # writes ./certs-example
 *   npx tsx scripts/make-example-certs.ts OUT_DIR
 *
 * Every private key written here is PUBLIC on purpose: the CA is marked
 * "DEMONSTRATION ONLY" and the hub refuses it when NODE_ENV=production.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
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
- The CA is marked \`DEMONSTRATION ONLY\` in its subject and carries the
  scheme's demonstration policy OID; every certificate it issued inherits both.
- **The hub refuses any certificate chained to this CA when
  \`NODE_ENV=production\`** (error \`CERT_DEMO_IN_PRODUCTION\`). For a real
  scheme create your own CA: \`isp-hub certs init --dir <secure place>\`.

Regenerate everything with \`npm run certs:example\` (scripts/make-example-certs.ts).
The CA, the hub's signing and TLS keys and every agency's main key are EC
P-256; the hub's and every agency's encryption key is X25519. The CA is valid
for 10 years, the rest for 5.

| path | what |
|---|---|
| \`ca/cert.pem\`, \`ca/key.pem\` | the demonstration scheme CA |
| \`ca/revocations.json\` | the revocation list (lists \`test-only/revoked-police\`) |
| \`hub/signing-cert.pem\`, \`signing-key.pem\` | the hub's JWS signing key (digitalSignature) |
| \`hub/encryption-cert.pem\`, \`encryption-key.pem\` | the hub's JWE key: X25519 (keyAgreement, ECDH-ES+A256KW) |
| \`hub/tls-cert.pem\`, \`tls-key.pem\` | the hub's TLS server/client certificate (localhost, 127.0.0.1, ::1) |
| \`hub/chain.pem\`, \`agencies/*/chain.pem\` | the issuing CA certificate (not the leaf) |
| \`agencies/<agency id>/cert.pem\`, \`key.pem\` | one per agency of policies/agencies.yaml: CN=agency id, OU=role; P-256 for JWS signing and TLS client and server (digitalSignature, keyAgreement) |
| \`agencies/<agency id>/encryption-cert.pem\`, \`encryption-key.pem\` | the agency's JWE key: X25519 (keyAgreement only), named as \`encryptionCertificate\` in policies/agencies.yaml; the hub encrypts deliveries to it |
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

  // The hub's JWE key is X25519: every inbound message costs the hub one key
  // agreement with it, and X25519 is about half the cost of P-256 there
  // (docs/envelope.md "Figures"). Agencies seal to it as ECDH-ES+A256KW either way.
  const hubAlgorithms = { 'hub-signing': 'P-256', 'hub-encryption': 'X25519', 'hub-tls': 'P-256' } as const;
  for (const [kind, algorithm] of Object.entries(hubAlgorithms) as Array<[keyof typeof hubAlgorithms, (typeof hubAlgorithms)[keyof typeof hubAlgorithms]]>) {
    await writeIssuedCertificate(path.join(outDir, 'hub'), await issueCertificate(ca, { kind, algorithm, validityDays: 1825 }));
  }
  // Every agency also gets an X25519 encryption certificate: the hub seals
  // every delivery to it and the agency opens it, each about half the CPU of
  // P-256 (docs/envelope.md "Figures"). X25519 cannot sign, so the P-256 one
  // stays for JWS and TLS.
  for (const agency of agencies) {
    const agencyDir = path.join(outDir, 'agencies', agency.id);
    const identity = { kind: 'agency', id: agency.id, role: agency.role, validityDays: 1825 } as const;
    await writeIssuedCertificate(agencyDir, await issueCertificate(ca, { ...identity, algorithm: 'P-256' }));
    await writeIssuedCertificate(agencyDir, await issueCertificate(ca, { ...identity, algorithm: 'X25519' }));
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
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'certs-example'));
  await makeExampleCerts(outDir, path.join(repoRoot, 'policies', 'agencies.yaml'));
  process.stdout.write(`demonstration certificates written to ${path.relative(process.cwd(), outDir) || '.'}\n`);
}
