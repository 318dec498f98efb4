import { readFile, rm } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbprintS256 } from '../../src/pki/index.js';
import { runIspHub } from '../support/cli.js';
import { example } from '../support/e2e.js';
import { copyHubPki, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * certs-example gives the hub no X25519 encryption key (go-jose refuses a
 * whole JWK Set that holds one). An operator who wants it adds it with the
 * CLI; from then on the hub lists it first and opens what is sealed to it.
 */
describe('a hub X25519 encryption key added by the operator', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let work: string;
  let issuedOutput: string;

  beforeAll(async () => {
    work = await copyHubPki('isp-hub-x25519-');
    const issued = await runIspHub(['certs', 'issue', '--kind', 'hub-encryption', '--algorithm', 'X25519', '--ca', path.join(work, 'ca')]);
    expect(issued.code, issued.stderr).toBe(0);
    issuedOutput = issued.stdout;
    redis = await startTestRedis();
    hub = await startTestHub(redis, { env: { HUB_CERT_DIR: path.join(work, 'hub') } });
  }, 240_000);
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const x25519Certificate = async () => new X509Certificate(await readFile(path.join(work, 'hub/encryption-x25519-cert.pem'), 'utf8'));

  it('is written by `certs issue` as hub/encryption-x25519-cert.pem beside the CA folder, the file the hub loads', async () => {
    expect(issuedOutput).toContain(`certificate: ${path.join(work, 'hub/encryption-x25519-cert.pem')}`);
    expect(issuedOutput).toContain(`private key: ${path.join(work, 'hub/encryption-x25519-key.pem')}`);
    expect((await x25519Certificate()).publicKey.asymmetricKeyType).toBe('x25519');
  });

  it('is listed first in the JWKS, before P-256 and RSA', async () => {
    const police = await hub.client('nv-police');
    const jwks = JSON.parse((await police.request('GET', '/.well-known/jwks.json')).body.toString()) as { keys: Array<{ use: string; kid: string; kty: string; crv?: string; alg: string }> };
    expect(jwks.keys.filter((key) => key.use === 'enc').map((key) => [key.kty, key.crv, key.alg])).toEqual([
      ['OKP', 'X25519', 'ECDH-ES+A256KW'],
      ['EC', 'P-256', 'ECDH-ES+A256KW'],
      ['RSA', undefined, 'RSA-OAEP-256'],
    ]);
    expect(jwks.keys.find((key) => key.use === 'enc')!.kid).toBe(thumbprintS256(await x25519Certificate()));
  });

  it('is what the SDK seals to, and the hub opens and accepts the message', async () => {
    const police = await hub.client('nv-police');
    const { jwe } = await police.sealForHub((await example('arrest-notification')) as never);
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES+A256KW', kid: thumbprintS256(await x25519Certificate()) });
    const answer = await police.request('POST', '/v1/messages', jwe);
    expect(answer.status, answer.body.toString()).toBe(202);
    const body = JSON.parse(answer.body.toString()) as { recipients: Array<{ agency: string; status: string }> };
    expect(body.recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });
  });
});
