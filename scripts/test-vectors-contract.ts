/**
 * What docs/test-vectors/ holds and when its claims are valid: shared by the
 * generator (scripts/make-test-vectors.ts) and the test that opens the files
 * (test/contract/test-vectors.test.ts), so the README names exactly the files
 * there are.
 */

/** The instant at which the claims are valid: `iat` of both envelopes. */
export const TEST_VECTOR_TIME = new Date('2026-11-22T12:00:00Z');

export const TEST_VECTOR_PARTIES = {
  hub: 'isp-hub',
  agency: 'nv-police',
  agencyRole: 'police',
  deliverySender: 'nv-court',
  deliverySenderRole: 'court',
} as const;

export const TEST_VECTOR_FILES = [
  'README.md',
  'keys/ca-cert.pem',
  'keys/hub-signing-cert.pem',
  'keys/hub-signing-key.pem',
  'keys/hub-encryption-cert.pem',
  'keys/hub-encryption-key.pem',
  'keys/agency-cert.pem',
  'keys/agency-key.pem',
  'claims.json',
  'to-hub.jws',
  'to-hub.jwe',
  'delivery.json',
  'delivery.jws',
  'delivery.jwe',
] as const;

export type TestVectorFile = (typeof TEST_VECTOR_FILES)[number];

/** The line above each private key's PEM block. */
export const TEST_VECTOR_KEY_NOTICE = 'DEMONSTRATION ONLY: this private key is published with isp-hub (docs/test-vectors/) and protects nothing.\n';

export function testVectorsReadme(): string {
  const seconds = Math.floor(TEST_VECTOR_TIME.getTime() / 1000);
  const { hub, agency, deliverySender } = TEST_VECTOR_PARTIES;
  return `# Test vectors

Files to check an agency's own envelope code against, byte for byte. They
were written by \`npm run test-vectors\` (scripts/make-test-vectors.ts) with
the hub's own envelope code, and test/contract/test-vectors.test.ts opens
them with the hub's \`open\` on every test run.

**The private keys here are public, for tests only**; each file says so in
a line above its PEM block, which PEM readers skip (RFC 7468 s.2). The CA is a
demonstration CA (\`DEMONSTRATION ONLY\` in its subject O), which a hub
refuses when \`NODE_ENV=production\`.

## The time

The claims are valid at **${TEST_VECTOR_TIME.toISOString()}** (NumericDate
${seconds}), which is \`iat\` of both envelopes: \`to-hub.jwe\` expires 300 s
later, \`delivery.jwe\` a day later. Check them with your clock set to that
instant (most libraries take the time as a parameter); the certificates are
valid from 2026-01-01 for ten years.

## The files

| file | what |
|---|---|
| \`keys/ca-cert.pem\` | the scheme CA that issued every certificate below (P-256, self-signed) |
| \`keys/hub-signing-cert.pem\`, \`keys/hub-signing-key.pem\` | the hub's signing key (P-256, ES256); deliveries are signed with it |
| \`keys/hub-encryption-cert.pem\`, \`keys/hub-encryption-key.pem\` | the hub's encryption key (P-256, ECDH-ES+A256KW); \`to-hub.jwe\` is sealed to it |
| \`keys/agency-cert.pem\`, \`keys/agency-key.pem\` | the agency ${agency}'s one key (P-256): it signs \`to-hub.jws\`, and \`delivery.jwe\` is sealed to it |
| \`claims.json\` | an arrest notification (policies/examples/arrest-notification.json) with the envelope claims (\`iss\` ${agency}, \`aud\` ${hub}, \`iat\`, \`exp\`, \`jti\`): what the agency signs |
| \`to-hub.jws\` | \`claims.json\` signed by the agency: a compact JWS, \`alg\` ES256, \`typ\` isp-message+jws, \`x5t#S256\` the agency certificate's thumbprint |
| \`to-hub.jwe\` | \`to-hub.jws\` sealed to the hub: a compact JWE, \`alg\` ECDH-ES+A256KW, \`enc\` A256GCM, \`cty\` isp-message+jws, \`kid\` the hub encryption certificate's thumbprint. What \`POST /v1/messages\` takes |
| \`delivery.json\` | what a delivery opens to: a court outcome that ${deliverySender} sent, minimised by the policy in policies/ for ${agency}, with its \`provenance\`, \`iss\` ${hub} and \`aud\` ${agency} |
| \`delivery.jws\` | \`delivery.json\` signed by the hub (ES256, \`x5t#S256\` the hub signing certificate's thumbprint) |
| \`delivery.jwe\` | \`delivery.jws\` sealed to the agency (\`kid\` the agency certificate's thumbprint): what a push POSTs and an inbox item's \`jwe\` holds |

Each \`.jws\` and \`.jwe\` file is one line. The JSON files are what the JWS
payloads parse to, not their bytes (those are in the \`.jws\` files).

## What to check

1. Decrypt \`to-hub.jwe\` with \`keys/hub-encryption-key.pem\`: the plaintext
   is \`to-hub.jws\`, byte for byte.
2. Verify \`to-hub.jws\` with the key of \`keys/agency-cert.pem\`: its payload
   parses to \`claims.json\`.
3. Decrypt \`delivery.jwe\` with \`keys/agency-key.pem\`: the plaintext is
   \`delivery.jws\`.
4. Verify \`delivery.jws\` with \`keys/hub-signing-cert.pem\` after checking
   that certificate's chain to \`keys/ca-cert.pem\`: its payload parses to
   \`delivery.json\`.
5. Seal \`claims.json\` yourself and have the hub's code open it (the test
   does that for the TypeScript side). ES256 signatures and ECDH-ES
   ephemeral keys are random, so your JWE will not equal \`to-hub.jwe\`: only
   the opening is byte for byte.
`;
}
