import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointKeyId, type SignedCheckpoint } from '../../src/audit/index.js';
import { createTestSigner } from '../../src/audit/test-signer.js';
import { runIspHub } from '../support/cli.js';
import { example } from '../support/e2e.js';
import { copyHubPki, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A checkpoint stays verifiable for ever: the hub publishes every signing
 * certificate it has used, each checkpoint names its own by x5t#S256, and
 * after two rotations (`isp-hub keys rotate` and a restart, twice) the whole
 * log verifies with the hub's own commands from the published keys alone.
 */
const CLI_TIMEOUT = 240_000;

describe('checkpoints across two key rotations', () => {
  let redis: TestRedis;
  let work: string;
  let hub: TestHub | undefined;
  let prefix: string;
  const signed: SignedCheckpoint[] = [];
  let env: Record<string, string>;

  const startHub = async () => {
    hub = await startTestHub(redis, { prefix, dataDir: path.join(work, 'data'), env: { HUB_CERT_DIR: path.join(work, 'hub'), AUDIT_ARCHIVE_DIR: path.join(work, 'archive') } });
    const police = await hub.client('nv-police');
    expect((await police.send((await example('arrest-notification')) as never)).status).toBe(202);
    signed.push(await hub.hub.parts.auditLog.checkpoint());
  };
  const rotate = async () => {
    await hub?.stop();
    hub = undefined;
    const rotated = await runIspHub(['keys', 'rotate', '--dir', path.join(work, 'hub'), '--ca', path.join(work, 'ca')]);
    expect(rotated.code, rotated.stderr).toBe(0);
  };

  beforeAll(async () => {
    work = await copyHubPki('isp-audit-rotation-');
    redis = await startTestRedis({ appendOnly: false });
    prefix = redis.newPrefix();
    await startHub();
    await rotate();
    await startHub();
    await rotate();
    await startHub();
    env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, AUDIT_ARCHIVE_DIR: path.join(work, 'archive'), HUB_CERT_DIR: path.join(work, 'hub'), NODE_ENV: 'test' };
  }, CLI_TIMEOUT);
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('publishes every signing certificate ever used, while jwks.json keeps only the current and the previous', async () => {
    const police = await hub!.client('nv-police');
    const history = JSON.parse((await police.request('GET', '/.well-known/audit-signing-certificates.json')).body.toString()) as {
      certificates: Array<{ 'x5t#S256': string; notBefore: string; notAfter: string; inUseFrom: string | null; inUseUntil: string | null }>;
    };
    const keyIds = signed.map((checkpoint) => checkpointKeyId(checkpoint.jws));
    expect(new Set(keyIds).size).toBe(3);
    expect(history.certificates.map((record) => record['x5t#S256'])).toEqual(keyIds);
    expect(history.certificates[0]!.inUseUntil).toBe(history.certificates[1]!.inUseFrom);
    expect(history.certificates[2]!.inUseUntil).toBeNull();
    const jwks = JSON.parse((await police.request('GET', '/.well-known/jwks.json')).body.toString()) as { keys: Array<{ use: string; kid: string }> };
    expect(jwks.keys.filter((key) => key.use === 'sig').map((key) => key.kid)).not.toContain(keyIds[0]);
  });

  it('verifies the whole log and each checkpoint from the published history alone, and names the first checkpoint the current keys cannot check', async () => {
    const police = await hub!.client('nv-police');
    const historyFile = path.join(work, 'published-history.json');
    await writeFile(historyFile, (await police.request('GET', '/.well-known/audit-signing-certificates.json')).body);

    const full = await runIspHub(['audit', 'verify', '--full', '--cert', historyFile], { env });
    expect(full.stdout + full.stderr).toContain('OK: ');
    expect(full.code).toBe(0);
    for (const [position, checkpoint] of signed.entries()) {
      const file = path.join(work, `checkpoint-${position}.jws`);
      await writeFile(file, checkpoint.jws);
      const one = await runIspHub(['audit', 'verify', '--checkpoint', file, '--cert', historyFile], { env });
      expect(one.stdout, one.stderr).toContain(`checkpoint OK: size ${checkpoint.checkpoint.treeSize}`);
    }

    // A history that slips in a certificate the scheme CA did not issue is refused, not trusted.
    const forged = JSON.parse(await readFile(historyFile, 'utf8')) as { certificates: Array<{ x5c: string[] }> };
    forged.certificates.push({ ...forged.certificates[0]!, x5c: [(await createTestSigner('Mallory Hub Signing')).certificate.raw.toString('base64')] });
    const forgedFile = path.join(work, 'forged-history.json');
    await writeFile(forgedFile, JSON.stringify(forged));
    const refused = await runIspHub(['audit', 'verify', '--full', '--cert', forgedFile], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('CERT_UNTRUSTED_ISSUER');

    // Only the certificates in HUB_CERT_DIR (current and previous): the oldest checkpoint is named.
    const [oldest] = await hub!.hub.parts.auditLog.checkpoints();
    expect(checkpointKeyId(oldest!.jws)).toBe(checkpointKeyId(signed[0]!.jws));
    const partial = await runIspHub(['audit', 'verify', '--full'], { env });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain(`FAILED: checkpoint-invalid at seq ${oldest!.checkpoint.treeSize}`);
    expect(partial.stdout).toContain(checkpointKeyId(signed[0]!.jws));
  }, CLI_TIMEOUT);
});
