import { mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbprintS256 } from '../../src/pki/index.js';
import type { InboxListing } from '../../src/routing/delivery/index.js';
import { runIspHub } from '../support/cli.js';
import { eventually } from '../support/e2e.js';
import { runGo } from '../support/go.js';
import { copyHubPki, certsDir, copyPolicies, startTestHub, type TestHub } from '../support/hub.js';
import { openssl } from '../support/openssl.js';
import { partnerJson } from '../support/python.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A partner agency that does not use the SDK joins the scheme: it makes its
 * own key, the operator certifies it from a CSR with `isp-hub certs sign`,
 * the agency goes into agencies.yaml with the fields `certs sign` printed,
 * and the agency's own code (Debian's python3-jwcrypto, test/interop/python/
 * partner.py) seals messages the hub accepts and opens deliveries the hub
 * sealed to it, with or without X25519. The hub here also holds the X25519
 * key an operator may add (certs-example has none), so that an independent
 * implementation's X25519 message is tried too. Real hub, real Redis, mutual
 * TLS.
 */

interface SendResult {
  status: number;
  body: { id: string; recipients: Array<{ agency: string; status: string }> };
  jweHeader: { alg: string; kid: string };
}
interface Opened {
  jweHeader: { alg: string; enc: string; kid: string };
  claims: { aud: string; type: string; provenance: { messageId: string; sender: string } };
}

let redis: TestRedis;
let hub: TestHub;
let work: string;
/** The hub's encryption certificates in this test's copy of certs-example/hub, by file stem. */
const hubEncryptionCertificate = async (type: 'x25519' | 'p256' | 'rsa') =>
  new X509Certificate(await readFile(path.join(work, 'hub', `encryption-${type}-cert.pem`), 'utf8'));
const caCert = path.join(certsDir, 'ca/cert.pem');

/** certs sign, run as the operator would, against a copy of the demonstration CA; returns what it printed for agencies.yaml. */
async function operatorSigns(csr: string, id: string, role: string, out: string): Promise<string[]> {
  const signed = await runIspHub(['certs', 'sign', '--csr', csr, '--kind', 'agency', '--id', id, '--role', role, '--ca', path.join(work, 'ca'), '--out', out]);
  expect(signed.code, signed.stderr).toBe(0);
  expect(openssl(['verify', '-CAfile', caCert, path.join(out, 'cert.pem')])).toMatch(/: OK\n$/);
  const lines = signed.stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('add to policies/agencies.yaml'));
  return lines.slice(start + 1).filter((line) => /^ {2}- id: | {4}(role|certificate): /.test(line));
}

/** An agencies.yaml entry: the fields `certs sign` printed, and the rest an operator fills in. */
const entry = (printed: string[], name: string) =>
  [...printed, `    name: ${name}`, '    area: Northvale', '    delivery: { mode: pull }', `    designatedOfficer: { name: Test Officer, email: dpo@${printed[0]!.slice(8)}.northvale.example }`].join('\n');

const partner = (dir: string) => ['--hub', hub.url, '--ca', caCert, '--cert', path.join(dir, 'cert.pem'), '--key', path.join(dir, 'key.pem')];

beforeAll(async () => {
  work = await copyHubPki('isp-partner-');
  // As an operator who wants X25519 adds it: written to hub/ beside the CA folder.
  const x25519 = await runIspHub(['certs', 'issue', '--kind', 'hub-encryption', '--algorithm', 'X25519', '--ca', path.join(work, 'ca')]);
  expect(x25519.code, x25519.stderr).toBe(0);

  // nv-northgate: a P-256 key and CSR made by openssl alone.
  const northgate = path.join(work, 'northgate');
  await mkdir(northgate);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path.join(northgate, 'key.pem')]);
  openssl(['req', '-new', '-key', path.join(northgate, 'key.pem'), '-subj', '/CN=nv-northgate', '-out', path.join(northgate, 'csr.pem')]);
  const northgateEntry = entry(await operatorSigns(path.join(northgate, 'csr.pem'), 'nv-northgate', 'police', northgate), 'Northgate Constabulary');

  // nv-eastfield: a P-256 key and CSR made by Python cryptography.
  const eastfield = path.join(work, 'eastfield');
  await partnerJson(['make-csr', '--id', 'nv-eastfield', '--out', eastfield]);
  const eastfieldEntry = entry(await operatorSigns(path.join(eastfield, 'csr.pem'), 'nv-eastfield', 'court', eastfield), 'Eastfield Magistrates');

  redis = await startTestRedis();
  const policyDir = await copyPolicies(work, {});
  await appendFile(path.join(policyDir, 'agencies.yaml'), `${northgateEntry}\n${eastfieldEntry}\n`);
  hub = await startTestHub(redis, { policyDir, env: { HUB_CERT_DIR: path.join(work, 'hub') } });
}, 240_000);

afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
  await rm(work, { recursive: true, force: true });
});

async function jwksFile(): Promise<string> {
  const police = await hub.client('nv-police');
  const file = path.join(work, 'jwks.json');
  await writeFile(file, (await police.request('GET', '/.well-known/jwks.json')).body);
  return file;
}

async function inboxItem(dir: string, messageId: string): Promise<string> {
  const item = await eventually(async () => {
    const listing = await partnerJson<{ status: number; body: InboxListing }>(['inbox', ...partner(dir)]);
    return listing.body.items.find((candidate) => candidate.messageId === messageId);
  }, 20_000, `the inbox item of ${messageId}`);
  return item.jwe;
}

describe('a partner agency on its own stack: openssl, Python cryptography and jwcrypto', () => {
  let courtMessageId: string;

  /** One example message sent by a partner agency's own Python code, from its folder under `work`. */
  const sendAs = (agency: string, exampleName: string, ...library: string[]) =>
    partnerJson<SendResult>([
      'send',
      ...partner(path.join(work, agency.replace(/^nv-/, ''))),
      '--agency',
      agency,
      '--message',
      path.join(certsDir, `../policies/examples/${exampleName}.json`),
      ...library,
    ]);
  const sendArrest = (...library: string[]) => sendAs('nv-northgate', 'arrest-notification', ...library);

  it('the hub lists X25519, P-256 and RSA, in that order, once the operator has added an X25519 key', async () => {
    const jwks = JSON.parse(await readFile(await jwksFile(), 'utf8')) as { keys: Array<{ use: string; kty: string; crv?: string; kid: string }> };
    const published = jwks.keys.filter((key) => key.use === 'enc');
    expect(published.map((key) => [key.kty, key.crv])).toEqual([['OKP', 'X25519'], ['EC', 'P-256'], ['RSA', undefined]]);
    expect(published[0]!.kid).toBe(thumbprintS256(await hubEncryptionCertificate('x25519')));
  });

  it('the openssl-made agency seals with jwcrypto acting as a library without X25519, then as one with RSA only: each time to the first hub key it supports, and the hub accepts both', async () => {
    for (const [library, alg, type] of [['--no-x25519', 'ECDH-ES+A256KW', 'p256'], ['--rsa-only', 'RSA-OAEP-256', 'rsa']] as const) {
      const sent = await sendArrest(library);
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      expect(sent.jweHeader).toEqual(expect.objectContaining({ alg, kid: thumbprintS256(await hubEncryptionCertificate(type)) }));
      expect(sent.body.recipients.length).toBeGreaterThan(0);
      const tracked = await (await hub.client('nv-police')).request('GET', `/v1/messages/${sent.body.id}`);
      expect(tracked.status).toBe(404); // another agency cannot see it: the hub took it as nv-northgate's
    }
  });

  it('the Python-cryptography-made agency, whose jwcrypto does X25519, seals to the first key listed and the hub accepts it', async () => {
    const sent = await sendAs('nv-eastfield', 'court-outcome');
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.jweHeader).toEqual(expect.objectContaining({ alg: 'ECDH-ES+A256KW', kid: thumbprintS256(await hubEncryptionCertificate('x25519')) }));
    expect(sent.body.recipients).toEqual(expect.arrayContaining([{ agency: 'nv-police', status: 'queued' }, { agency: 'nv-northgate', status: 'queued' }]));
    courtMessageId = sent.body.id;
  });

  it('the openssl-made agency opens its delivery with jwcrypto and its own P-256 key, and checks the hub signature', async () => {
    const jwe = path.join(work, 'northgate-delivery.jwe');
    await writeFile(jwe, await inboxItem(path.join(work, 'northgate'), courtMessageId));
    const opened = await partnerJson<Opened>(['open', '--jwe', jwe, '--key', path.join(work, 'northgate/key.pem'), '--jwks', await jwksFile(), '--ca', caCert]);
    expect(opened.jweHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    expect(opened.claims).toMatchObject({ aud: 'nv-northgate', type: 'court-outcome', provenance: { messageId: courtMessageId, sender: 'nv-eastfield' } });
  });

  it('a Go 1.19 client completes the mutual-TLS handshake with the hub on the openssl-made certificate and reads the JWKS', async () => {
    const northgate = path.join(work, 'northgate');
    const result = await runGo('jwksget.go', [hub.url, caCert, path.join(northgate, 'cert.pem'), path.join(northgate, 'key.pem')]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, keys: 4, tlsVersion: 0x0304 });
  });

  it("a certs-example agency's delivery opens with that agency's default keys in jwcrypto, with no X25519 anywhere", async () => {
    const police = await hub.client('nv-police');
    const item = await eventually(async () => (await police.inbox<InboxListing>({ limit: 100 })).items.find((candidate) => candidate.messageId === courtMessageId), 20_000, 'the police inbox item');
    const jwe = path.join(work, 'police-delivery.jwe');
    await writeFile(jwe, item.jwe);
    const opened = await partnerJson<Opened>(['open', '--jwe', jwe, '--key', path.join(certsDir, 'agencies/nv-police/encryption-key.pem'), '--jwks', await jwksFile(), '--ca', caCert]);
    expect(opened.jweHeader.alg).toBe('RSA-OAEP-256');
    expect(opened.claims).toMatchObject({ aud: 'nv-police', provenance: { messageId: courtMessageId, sender: 'nv-eastfield' } });
    expect(await readFile(path.join(certsDir, 'agencies/nv-police/encryption-key.pem'), 'utf8')).toMatch(/^DEMONSTRATION ONLY/);
  });
});
