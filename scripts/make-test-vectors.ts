/**
 * Writes docs/test-vectors/: fixed keys and certificates of the
 * interoperable default types (P-256 everywhere: ES256 signatures,
 * ECDH-ES+A256KW key agreement), an example message's claims, those claims
 * sealed to the hub, and a hub delivery with what it opens to. An integrator
 * checks their own code against these files byte for byte; the test
 * test/contract/test-vectors.test.ts opens them with the project's `open`.
 *
 *   npm run test-vectors                      # writes ./docs/test-vectors
 *   npx tsx scripts/make-test-vectors.ts OUT_DIR
 *
 * ES256 signatures and ECDH-ES ephemeral keys are random, so every run writes
 * different JWEs (and new keys): the files are a record of one run, committed
 * as they are. Run it again only when the envelope or the policy changes; the
 * test says when it must.
 *
 * Every private key written here is PUBLIC on purpose, for tests only.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { CompactSign } from 'jose';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, seal, type EnvelopeClaims } from '../src/envelope/index.js';
import { messageSchemasFromMessages, loadPolicySet, decide, minimise } from '../src/policy/index.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../src/pki/index.js';
import { messageIdFor } from '../src/routing/message-id.js';
import { TEST_VECTOR_FILES, TEST_VECTOR_KEY_NOTICE, TEST_VECTOR_PARTIES, TEST_VECTOR_TIME, testVectorsReadme, type TestVectorFile } from './test-vectors-contract.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'docs', 'test-vectors'));
const iat = Math.floor(TEST_VECTOR_TIME.getTime() / 1000);

async function main(): Promise<void> {
  // Certificates valid from well before the vector time to well after it.
  const notBefore = new Date(Date.UTC(2026, 0, 1));
  const ca = await createCertificateAuthority({ name: 'Northvale Test Vectors CA', demonstration: true, notBefore, validityDays: 3650 });
  const issue = (options: Parameters<typeof issueCertificate>[1]) => issueCertificate(ca, { algorithm: 'P-256', notBefore, validityDays: 3650, ...options });
  const hubSigning = await issue({ kind: 'hub-signing', id: TEST_VECTOR_PARTIES.hub });
  const hubEncryption = await issue({ kind: 'hub-encryption', id: TEST_VECTOR_PARTIES.hub });
  const agency = await issue({ kind: 'agency', id: TEST_VECTOR_PARTIES.agency, role: TEST_VECTOR_PARTIES.agencyRole });
  // The sender of the delivered message; only its JWS's hash appears in the vectors, so its key is not kept.
  const sender = await issue({ kind: 'agency', id: TEST_VECTOR_PARTIES.deliverySender, role: TEST_VECTOR_PARTIES.deliverySenderRole });

  const claims = await toHubClaims();
  const toHub = await seal({ claims, signer: signerOf(agency), recipient: recipientOf(hubEncryption) });
  const delivery = await deliveryClaims(sender);
  const deliveryJwe = await seal({ claims: delivery, signer: signerOf(hubSigning), recipient: recipientOf(agency) });

  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, 'keys'), { recursive: true });
  const files: Record<TestVectorFile, string> = {
    'README.md': testVectorsReadme(),
    'keys/ca-cert.pem': ca.certificatePem,
    'keys/hub-signing-cert.pem': hubSigning.certificatePem,
    'keys/hub-signing-key.pem': keyOf(hubSigning),
    'keys/hub-encryption-cert.pem': hubEncryption.certificatePem,
    'keys/hub-encryption-key.pem': keyOf(hubEncryption),
    'keys/agency-cert.pem': agency.certificatePem,
    'keys/agency-key.pem': keyOf(agency),
    'claims.json': `${JSON.stringify(claims, null, 2)}\n`,
    'to-hub.jws': `${await innerJws(toHub, hubEncryption, agency, TEST_VECTOR_PARTIES.hub)}\n`,
    'to-hub.jwe': `${toHub}\n`,
    'delivery.json': `${JSON.stringify(delivery, null, 2)}\n`,
    'delivery.jws': `${await innerJws(deliveryJwe, agency, hubSigning, TEST_VECTOR_PARTIES.agency)}\n`,
    'delivery.jwe': `${deliveryJwe}\n`,
  };
  for (const name of TEST_VECTOR_FILES) await writeFile(path.join(outDir, name), files[name]);
  console.log(`test vectors written to ${outDir}`);
}

/** The agency's arrest notification, as policies/examples holds it, with the claims a sender adds. */
async function toHubClaims(): Promise<EnvelopeClaims> {
  const message = JSON.parse(await readFile(path.join(repoRoot, 'policies/examples/arrest-notification.json'), 'utf8')) as Record<string, unknown>;
  return { ...message, iss: TEST_VECTOR_PARTIES.agency, aud: TEST_VECTOR_PARTIES.hub, iat, exp: iat + 300, jti: 'test-vector-to-hub-0001' };
}

/**
 * What the hub delivers to the agency for a court outcome the court sent: the
 * record as the policy in policies/ minimises it for the agency, with its
 * provenance, signed by the hub (as src/hub/resealer.ts does).
 */
async function deliveryClaims(sender: IssuedCertificate): Promise<EnvelopeClaims> {
  const set = await loadPolicySet(path.join(repoRoot, 'policies'), messageSchemasFromMessages());
  const record = JSON.parse(await readFile(path.join(repoRoot, 'policies/examples/court-outcome.json'), 'utf8')) as Record<string, unknown>;
  const from = set.registry.require(TEST_VECTOR_PARTIES.deliverySender);
  const to = set.registry.require(TEST_VECTOR_PARTIES.agency);
  const decision = decide(set, record as never, from, to, { now: TEST_VECTOR_TIME });
  if (decision.effect !== 'permit' || !decision.obligations) throw new Error(`the policy no longer permits the vector delivery: ${decision.explanation}`);
  const minimised = minimise(record, decision.obligations);
  const senderJti = 'test-vector-court-0001';
  const senderClaims = { ...record, iss: from.id, aud: TEST_VECTOR_PARTIES.hub, iat, exp: iat + 300, jti: senderJti };
  const senderJws = await new CompactSign(new TextEncoder().encode(JSON.stringify(senderClaims)))
    .setProtectedHeader({ alg: 'ES256', typ: 'isp-message+jws', 'x5t#S256': sender.thumbprint })
    .sign(sender.privateKey!);
  const messageId = messageIdFor(from.id, senderJti);
  return {
    ...minimised.record,
    provenance: {
      messageId,
      sender: from.id,
      originalJti: senderJti,
      originalHash: createHash('sha256').update(senderJws, 'utf8').digest('hex'),
      ruleIds: [...decision.ruleIds],
      legalBases: [...decision.legalBases],
      policyVersion: decision.policyVersion,
      marking: decision.obligations.marking,
      retainUntil: new Date(TEST_VECTOR_TIME.getTime() + decision.obligations.retainDays * 86_400_000).toISOString().slice(0, 10),
    },
    iss: TEST_VECTOR_PARTIES.hub,
    aud: TEST_VECTOR_PARTIES.agency,
    iat,
    exp: iat + 24 * 3600,
    jti: `${messageId}:${TEST_VECTOR_PARTIES.agency}`,
  };
}

/** The JWS inside a JWE, read back with the project's own open. */
async function innerJws(jwe: string, recipient: IssuedCertificate, signer: IssuedCertificate, audience: string): Promise<string> {
  const opened = await open(jwe, {
    decryptionKeys: [{ kid: recipient.thumbprint, privateKey: recipient.privateKey! }],
    resolveSigner: async () => ({ publicKey: signer.certificate.publicKey, certificate: signer.certificate }),
    audience,
    clockSkewSeconds: 0,
    maxLifetimeSeconds: 7 * 24 * 3600,
    maxBytes: 1024 * 1024,
    now: TEST_VECTOR_TIME,
  });
  return opened.innerJws;
}

function signerOf(issued: IssuedCertificate) {
  return { privateKey: issued.privateKey!, certificate: issued.certificate };
}

function recipientOf(issued: IssuedCertificate) {
  return { publicKey: issued.certificate.publicKey, kid: issued.thumbprint };
}

/** Like every published key of the repository, each says so above its PEM block (PEM readers skip it, RFC 7468 s.2). */
function keyOf(issued: IssuedCertificate): string {
  if (!issued.privateKeyPem) throw new TypeError('no private key issued');
  return `${TEST_VECTOR_KEY_NOTICE}${issued.privateKeyPem}`;
}

await main();
