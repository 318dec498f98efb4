import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/envelope/index.js';
import { thumbprintS256 } from '../../src/pki/index.js';
import { runIspHub } from '../support/cli.js';
import { example } from '../support/e2e.js';
import { certsDir, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('isp-hub keys rotate', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'isp-keys-'));
    await cp(path.join(certsDir, 'hub'), path.join(work, 'hub'), { recursive: true });
    await cp(path.join(certsDir, 'ca'), path.join(work, 'ca'), { recursive: true });
    const rotated = await runIspHub(['keys', 'rotate', '--dir', path.join(work, 'hub'), '--ca', path.join(work, 'ca')]);
    expect(rotated.code, rotated.stderr).toBe(0);
    redis = await startTestRedis();
    hub = await startTestHub(redis, { env: { HUB_CERT_DIR: path.join(work, 'hub') } });
  }, 240_000);
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('publishes the new and the previous keys, and still opens messages sealed to the previous encryption key', async () => {
    const police = await hub.client('nv-police');
    const jwks = JSON.parse((await police.request('GET', '/.well-known/jwks.json')).body.toString()) as { keys: Array<{ use: string; kid: string }> };
    expect(jwks.keys.filter((key) => key.use === 'sig')).toHaveLength(2);
    expect(jwks.keys.filter((key) => key.use === 'enc')).toHaveLength(2);

    const previousCertificate = new X509Certificate(await readFile(path.join(work, 'hub/previous/encryption-cert.pem'), 'utf8'));
    // Each key is replaced like for like: the X25519 encryption key by a new X25519 one.
    const currentCertificate = new X509Certificate(await readFile(path.join(work, 'hub/encryption-cert.pem'), 'utf8'));
    expect(previousCertificate.publicKey.asymmetricKeyType).toBe('x25519');
    expect(currentCertificate.publicKey.asymmetricKeyType).toBe('x25519');
    expect(thumbprintS256(currentCertificate)).not.toBe(thumbprintS256(previousCertificate));
    expect(jwks.keys.map((key) => key.kid)).toContain(thumbprintS256(previousCertificate));
    const read = (name: string) => readFile(path.join(certsDir, 'agencies/nv-police', name), 'utf8');
    const now = Math.floor(Date.now() / 1000);
    const message = await example('arrest-notification');
    const jwe = await seal({
      claims: { ...message, iss: 'nv-police', aud: 'isp-hub', iat: now, exp: now + 300, jti: randomUUID() },
      signer: { privateKey: createPrivateKey(await read('key.pem')), certificate: new X509Certificate(await read('cert.pem')) },
      recipient: { publicKey: previousCertificate.publicKey, kid: thumbprintS256(previousCertificate) },
    });
    const answer = await police.request('POST', '/v1/messages', jwe);
    expect(answer.status).toBe(202);
  });
});
