import { readFile, rm } from 'node:fs/promises';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/envelope/index.js';
import { thumbprintS256 } from '../../src/pki/index.js';
import { runIspHub } from '../support/cli.js';
import { example } from '../support/e2e.js';
import { certsDir, copyHubPki, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('isp-hub keys rotate', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let work: string;

  beforeAll(async () => {
    work = await copyHubPki('isp-keys-');
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

  const certificateIn = async (name: string) => new X509Certificate(await readFile(path.join(work, 'hub', name), 'utf8'));
  const read = (name: string) => readFile(path.join(certsDir, 'agencies/nv-police', name), 'utf8');
  async function sealTo(certificate: X509Certificate): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return seal({
      claims: { ...(await example('arrest-notification')), iss: 'nv-police', aud: 'isp-hub', iat: now, exp: now + 300, jti: randomUUID() },
      signer: { privateKey: createPrivateKey(await read('key.pem')), certificate: new X509Certificate(await read('cert.pem')) },
      recipient: { publicKey: certificate.publicKey, kid: thumbprintS256(certificate) },
    });
  }

  it('replaces every encryption key like for like and publishes only the current ones, in order of preference', async () => {
    const police = await hub.client('nv-police');
    const jwks = JSON.parse((await police.request('GET', '/.well-known/jwks.json')).body.toString()) as { keys: Array<{ use: string; kid: string; kty: string; alg: string }> };
    expect(jwks.keys.filter((key) => key.use === 'sig')).toHaveLength(2);
    const published = jwks.keys.filter((key) => key.use === 'enc');
    expect(published.map((key) => [key.kty, key.alg])).toEqual([
      ['EC', 'ECDH-ES+A256KW'],
      ['RSA', 'RSA-OAEP-256'],
    ]);
    for (const [type, asymmetricKeyType] of [['p256', 'ec'], ['rsa', 'rsa']] as const) {
      const previous = await certificateIn(`previous/encryption-${type}-cert.pem`);
      const current = await certificateIn(`encryption-${type}-cert.pem`);
      expect(previous.publicKey.asymmetricKeyType).toBe(asymmetricKeyType);
      expect(current.publicKey.asymmetricKeyType).toBe(asymmetricKeyType);
      expect(thumbprintS256(current)).not.toBe(thumbprintS256(previous));
      expect(published.find((key) => key.kid === thumbprintS256(current))).toBeDefined();
      // A sender that takes the first key it supports must never meet a retired one.
      expect(published.find((key) => key.kid === thumbprintS256(previous))).toBeUndefined();
    }
  });

  it('still opens messages sealed to each previous encryption key, and to each new one', async () => {
    const police = await hub.client('nv-police');
    for (const type of ['p256', 'rsa']) {
      for (const name of [`previous/encryption-${type}-cert.pem`, `encryption-${type}-cert.pem`]) {
        const answer = await police.request('POST', '/v1/messages', await sealTo(await certificateIn(name)));
        expect(answer.status, name).toBe(202);
      }
    }
  });
});
