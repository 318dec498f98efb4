import { access } from 'node:fs/promises';
import { request } from 'node:https';
import { embeddedDpoIssuerUrl, embeddedDpoKeyPath, loadOrCreateEmbeddedDpoIssuer } from '../../src/dpo/index.js';
import type { SubjectReport } from '../../src/audit/search/index.js';
import type { DemoHub } from './hub-target.js';

/**
 * A scheme DPO's bearer token for the audit API. DPO_TOKEN wins (a hub on an
 * OIDC issuer); otherwise the embedded issuer's key under the hub's DATA_DIR
 * signs one, as `isp-hub dpo token` does. The key must already exist: a new
 * key made here would not be the one the running hub verifies with.
 */
export async function dpoToken(hub: DemoHub, env: NodeJS.ProcessEnv): Promise<{ token: string } | { unavailable: string }> {
  if (env['DPO_TOKEN']) return { token: env['DPO_TOKEN'] };
  if (hub.config.DPO_ISSUER || hub.config.DPO_JWKS_URL) return { unavailable: 'the hub uses an external DPO issuer (DPO_ISSUER); set DPO_TOKEN to a scheme DPO token' };
  try {
    await access(embeddedDpoKeyPath(hub.config.DATA_DIR));
  } catch {
    return { unavailable: `no DPO issuer key under DATA_DIR=${hub.config.DATA_DIR}; run the demo from where the hub runs, or set DATA_DIR to its data folder` };
  }
  const issuer = await loadOrCreateEmbeddedDpoIssuer(hub.config.DATA_DIR, embeddedDpoIssuerUrl(hub.config.HUB_ID));
  const token = await issuer.issue({ agencyId: 'nv-police', name: 'Demo Scheme DPO', schemeDpo: true, ttlSeconds: 300, audience: hub.config.DPO_AUDIENCE });
  return { token };
}

/** GET /v1/audit/subject-report (UK GDPR Art 15; DPA 2018 s.45) as a scheme DPO. */
export function subjectReport(hubUrl: string, caPem: string, token: string, identifier: { kind: string; value: string }): Promise<SubjectReport> {
  const query = new URLSearchParams({ kind: identifier.kind, value: identifier.value });
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/v1/audit/subject-report?${query}`, hubUrl),
      { method: 'GET', ca: caPem, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: 15_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            const code = safeCode(body);
            reject(new Error(`the audit API answered ${res.statusCode}${code ? ` ${code}` : ''}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as SubjectReport);
          } catch {
            reject(new Error('the audit API did not answer JSON'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the audit API did not answer in time')));
    req.on('error', reject);
    req.end();
  });
}

function safeCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
