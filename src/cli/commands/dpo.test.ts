import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../../../test/support/cli.js';
import { createDpoTokenVerifier, embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer } from '../../dpo/index.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'isp-dpo-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const env = () => ({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '9443', DPO_ISSUER: '', DPO_JWKS_URL: '' });

describe('isp-hub dpo token', () => {
  it('prints a console sign-in link whose token the hub (same DATA_DIR key) accepts', async () => {
    const result = await runIspHub(['dpo', 'token', '--agency', 'nv-yot', '--name', 'Alex Testperson'], { env: env() });
    expect(result.code).toBe(0);
    const match = /^https:\/\/127\.0\.0\.1:9443\/console\/#token=([A-Za-z0-9_.-]+)\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    const issuerUrl = embeddedDpoIssuerUrl('isp-hub');
    const issuer = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    const verifier = createDpoTokenVerifier({ issuer: issuerUrl, audience: 'isp-hub-console', jwks: issuer.jwks });
    const identity = await verifier.verify(match?.[1] ?? '');
    expect(identity).toMatchObject({ agencyId: 'nv-yot', name: 'Alex Testperson', scope: { kind: 'agency', agencyId: 'nv-yot' } });
  });

  it('--scheme-dpo gives the scheme scope; --json prints url, token and expiry', async () => {
    const result = await runIspHub(['dpo', 'token', '--agency', 'nv-police', '--name', 'Robin Testperson', '--scheme-dpo', '--json', '--url', 'https://hub.northvale.example'], { env: env() });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { url: string; token: string; expiresAt: string };
    expect(printed.url).toBe(`https://hub.northvale.example/console/#token=${printed.token}`);
    const issuerUrl = embeddedDpoIssuerUrl('isp-hub');
    const issuer = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    const verifier = createDpoTokenVerifier({ issuer: issuerUrl, audience: 'isp-hub-console', jwks: issuer.jwks });
    expect((await verifier.verify(printed.token)).scope).toEqual({ kind: 'scheme' });
  });

  it('--scheme-manager gives the scheme-manager scope (returns only); with --scheme-dpo it is refused', async () => {
    const result = await runIspHub(['dpo', 'token', '--agency', 'nv-police', '--name', 'Sam Testperson', '--scheme-manager', '--json'], { env: env() });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { token: string };
    const issuerUrl = embeddedDpoIssuerUrl('isp-hub');
    const issuer = await loadOrCreateEmbeddedDpoIssuer(dataDir, issuerUrl);
    const verifier = createDpoTokenVerifier({ issuer: issuerUrl, audience: 'isp-hub-console', jwks: issuer.jwks });
    expect((await verifier.verify(printed.token)).scope).toEqual({ kind: 'scheme-manager' });
    const both = await runIspHub(['dpo', 'token', '--agency', 'nv-police', '--name', 'Sam Testperson', '--scheme-manager', '--scheme-dpo'], { env: env() });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('BAD_REQUEST');
  });

  it('refuses an agency the ISP does not name (AGENCY_UNKNOWN) and an external issuer set-up (CONFIG_INVALID)', async () => {
    const unknown = await runIspHub(['dpo', 'token', '--agency', 'nv-nowhere', '--name', 'Alex Testperson'], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('AGENCY_UNKNOWN');
    const external = await runIspHub(['dpo', 'token', '--agency', 'nv-yot', '--name', 'Alex Testperson'], {
      env: { ...env(), DPO_ISSUER: 'https://login.northvale.example/', DPO_JWKS_URL: 'https://login.northvale.example/jwks' },
    });
    expect(external.code).toBe(2);
    expect(external.stderr).toContain('CONFIG_INVALID');
  });
});
