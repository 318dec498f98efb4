import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { certsDir, type TestHub } from '../support/hub.js';

/** Console sign-in tokens from a test hub's embedded issuer: agency DPO, scheme DPO or scheme manager. */
export async function tokenFor(hub: TestHub, kind: 'agency' | 'scheme' | 'scheme-manager', agencyId = 'nv-police'): Promise<string> {
  const issuer = await loadOrCreateEmbeddedDpoIssuer(hub.dataDir, embeddedDpoIssuerUrl('isp-hub'));
  return issuer.issue({ agencyId, name: `Test ${kind}`, schemeDpo: kind === 'scheme', schemeManager: kind === 'scheme-manager', ttlSeconds: 900, audience: 'isp-hub-console' });
}

/** A GET with a bearer token, the body kept as bytes. */
export async function getWithToken(hubUrl: string, pathAndQuery: string, token: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; json: () => any }> {
  const ca = await readFile(path.join(certsDir, 'ca/cert.pem'));
  return new Promise((resolve, reject) => {
    const req = request(new URL(pathAndQuery, hubUrl), { method: 'GET', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.once('error', reject);
    req.end();
  });
}
