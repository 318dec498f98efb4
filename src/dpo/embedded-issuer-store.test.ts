import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDpoTokenVerifier } from './dpo-token.js';
import { embeddedDpoIssuerUrl, embeddedDpoKeyPath, loadOrCreateEmbeddedDpoIssuer } from './embedded-issuer-store.js';

const AUDIENCE = 'isp-hub-console';
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'isp-dpo-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('embedded DPO issuer key store', () => {
  it('creates the key on first use (owner-only) and reuses it, so another process verifies the first one\'s tokens', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const issuerUrl = embeddedDpoIssuerUrl('isp-hub');
    const first = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    const file = embeddedDpoKeyPath(dataDir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const second = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    expect(second.jwks).toEqual(first.jwks);
    const token = await first.issue({ agencyId: 'nv-yot', name: 'Alex Testperson', ttlSeconds: 300, audience: AUDIENCE });
    const verifier = createDpoTokenVerifier({ issuer: issuerUrl, audience: AUDIENCE, jwks: second.jwks });
    expect(await verifier.verify(token)).toMatchObject({ agencyId: 'nv-yot', scope: { kind: 'agency', agencyId: 'nv-yot' } });
  });

  it('two concurrent first uses end with one key', async () => {
    const dataDir = await tempDir();
    const issuerUrl = embeddedDpoIssuerUrl('isp-hub');
    const [a, b] = await Promise.all([loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl), loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl)]);
    const again = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    expect([a.jwks, b.jwks]).toContainEqual(again.jwks);
  });

  it('refuses a file that is not a P-256 private key with CONFIG_INVALID', async () => {
    const dataDir = await tempDir();
    await writeFile(embeddedDpoKeyPath(dataDir), 'not a key');
    await expect(loadOrCreateEmbeddedDpoIssuer(dataDir, embeddedDpoIssuerUrl('isp-hub'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('names the issuer after the hub id and refuses a malformed one', () => {
    expect(embeddedDpoIssuerUrl('isp-hub')).toBe('urn:isp-hub:isp-hub:dpo-issuer');
    expect(() => embeddedDpoIssuerUrl('Bad Id')).toThrow(TypeError);
  });
});
