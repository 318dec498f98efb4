import { embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer } from '../../src/dpo/index.js';
import type { TestHub } from '../support/hub.js';

/** Console sign-in tokens from a test hub's embedded issuer: agency DPO, scheme DPO or scheme manager. */
export async function tokenFor(hub: TestHub, kind: 'agency' | 'scheme' | 'scheme-manager', agencyId = 'nv-police'): Promise<string> {
  const issuer = await loadOrCreateEmbeddedDpoIssuer(hub.dataDir, embeddedDpoIssuerUrl('isp-hub'));
  return issuer.issue({ agencyId, name: `Test ${kind}`, schemeDpo: kind === 'scheme', schemeManager: kind === 'scheme-manager', ttlSeconds: 900, audience: 'isp-hub-console' });
}
