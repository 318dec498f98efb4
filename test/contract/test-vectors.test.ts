import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, type OpenOptions } from '../../src/envelope/index.js';
import { isHubError } from '../../src/errors.js';
import { parseMessageRecord } from '../../src/messages/index.js';
import { createTrustStore, thumbprintS256 } from '../../src/pki/index.js';
import { decide, loadPolicySet, messageSchemasFromMessages, minimise } from '../../src/policy/index.js';
import { TEST_VECTOR_FILES, TEST_VECTOR_KEY_NOTICE, TEST_VECTOR_PARTIES, TEST_VECTOR_TIME } from '../../scripts/test-vectors-contract.js';
import { repoRoot } from '../support/cli.js';

/**
 * docs/test-vectors/ opened with the hub's own `open` at the time the README
 * names: each JWE decrypts to its JWS byte for byte, each JWS verifies with
 * the certificate it names (checked by the scheme trust store against the
 * vectors' CA) and parses to its JSON file. If the envelope or the policy
 * changes, run `npm run test-vectors` and commit the new files.
 */
const dir = path.join(repoRoot, 'docs', 'test-vectors');
const read = (name: (typeof TEST_VECTOR_FILES)[number]) => readFile(path.join(dir, name), 'utf8');
const certificate = async (name: (typeof TEST_VECTOR_FILES)[number]) => new X509Certificate(await read(name));

async function optionsFor(recipientKey: 'keys/hub-encryption-key.pem' | 'keys/agency-key.pem', recipientCert: 'keys/hub-encryption-cert.pem' | 'keys/agency-cert.pem', signerCert: 'keys/agency-cert.pem' | 'keys/hub-signing-cert.pem', audience: string, now: Date): Promise<OpenOptions> {
  const trust = createTrustStore({ caCertificates: [await certificate('keys/ca-cert.pem')] });
  const signer = await certificate(signerCert);
  return {
    decryptionKeys: [{ kid: thumbprintS256(await certificate(recipientCert)), privateKey: createPrivateKey(await read(recipientKey)) }],
    async resolveSigner(thumbprint) {
      if (thumbprint !== thumbprintS256(signer)) throw new Error('the JWS names another certificate');
      trust.verify(signer, { usage: 'signing', at: now });
      return { publicKey: signer.publicKey, certificate: signer };
    },
    audience,
    clockSkewSeconds: 0,
    maxLifetimeSeconds: 7 * 24 * 3600,
    maxBytes: 1024 * 1024,
    now,
  };
}

describe('docs/test-vectors', () => {
  it('holds exactly the files its README names, and the README names the time', async () => {
    const found = [...(await readdir(dir)), ...(await readdir(path.join(dir, 'keys'))).map((name) => `keys/${name}`)].filter((name) => name !== 'keys');
    expect(found.sort()).toEqual([...TEST_VECTOR_FILES].sort());
    const readme = await read('README.md');
    for (const name of TEST_VECTOR_FILES.filter((file) => file !== 'README.md')) expect(readme).toContain(`\`${name}\``);
    expect(readme).toContain(TEST_VECTOR_TIME.toISOString());
    for (const name of TEST_VECTOR_FILES.filter((file) => file.endsWith('-key.pem'))) expect((await read(name)).startsWith(TEST_VECTOR_KEY_NOTICE)).toBe(true);
  });

  it('to-hub.jwe opens with the hub encryption key to to-hub.jws, signed by the agency, whose payload is claims.json', async () => {
    const opened = await open((await read('to-hub.jwe')).trim(), await optionsFor('keys/hub-encryption-key.pem', 'keys/hub-encryption-cert.pem', 'keys/agency-cert.pem', TEST_VECTOR_PARTIES.hub, TEST_VECTOR_TIME));
    expect(opened.innerJws).toBe((await read('to-hub.jws')).trim());
    expect(opened.claims).toEqual(JSON.parse(await read('claims.json')));
    expect(opened.protectedHeaders.jwe).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'isp-message+jws' });
    expect(opened.protectedHeaders.jws).toMatchObject({ alg: 'ES256', typ: 'isp-message+jws' });
    const { iss, aud, iat, exp, jti, ...fields } = opened.claims;
    expect({ iss, aud, iat }).toEqual({ iss: TEST_VECTOR_PARTIES.agency, aud: TEST_VECTOR_PARTIES.hub, iat: TEST_VECTOR_TIME.getTime() / 1000 });
    expect(typeof exp === 'number' && typeof jti === 'string').toBe(true);
    expect(() => parseMessageRecord(fields)).not.toThrow();
  });

  it('delivery.jwe opens with the agency key to delivery.jws, signed by the hub (chained to the CA), whose payload is delivery.json', async () => {
    const opened = await open((await read('delivery.jwe')).trim(), await optionsFor('keys/agency-key.pem', 'keys/agency-cert.pem', 'keys/hub-signing-cert.pem', TEST_VECTOR_PARTIES.agency, TEST_VECTOR_TIME));
    expect(opened.innerJws).toBe((await read('delivery.jws')).trim());
    expect(opened.claims).toEqual(JSON.parse(await read('delivery.json')));
  });

  it('delivery.json is what the policy in policies/ discloses to the agency today', async () => {
    const delivered = JSON.parse(await read('delivery.json')) as Record<string, any>;
    const set = await loadPolicySet(path.join(repoRoot, 'policies'), messageSchemasFromMessages());
    const record = JSON.parse(await readFile(path.join(repoRoot, 'policies/examples/court-outcome.json'), 'utf8'));
    const decision = decide(set, record, set.registry.require(TEST_VECTOR_PARTIES.deliverySender), set.registry.require(TEST_VECTOR_PARTIES.agency), { now: TEST_VECTOR_TIME });
    expect(decision.effect).toBe('permit');
    const { provenance, iss, aud, iat, exp, jti, ...fields } = delivered;
    expect(fields).toEqual(minimise(record, decision.obligations!).record);
    expect(provenance).toMatchObject({ sender: TEST_VECTOR_PARTIES.deliverySender, ruleIds: [...decision.ruleIds] });
  });

  it('is refused a day after the time the README names: the time is part of the vector', async () => {
    const later = new Date(TEST_VECTOR_TIME.getTime() + 2 * 86_400_000);
    const error = await open((await read('to-hub.jwe')).trim(), await optionsFor('keys/hub-encryption-key.pem', 'keys/hub-encryption-cert.pem', 'keys/agency-cert.pem', TEST_VECTOR_PARTIES.hub, later)).catch((caught: unknown) => caught);
    expect(isHubError(error, 'CLAIM_EXPIRED')).toBe(true);
  });
});
