import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { certsDir, type TestHub } from './hub.js';

/** A scheme DPO's bearer token from the test hub's embedded issuer (what `isp-hub dpo token --scheme-dpo` prints). */
export async function schemeDpoToken(hub: TestHub): Promise<string> {
  const { config } = hub.hub.parts;
  const issuer = await loadOrCreateEmbeddedDpoIssuer(config.DATA_DIR, embeddedDpoIssuerUrl(config.HUB_ID));
  return issuer.issue({ agencyId: 'nv-police', name: 'Robin Testperson', schemeDpo: true, ttlSeconds: 900, audience: config.DPO_AUDIENCE });
}

export interface DpoAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

/** One request to the hub's DPO API with a bearer token, trusting the example scheme CA. */
export async function dpoRequest(hubUrl: string, pathAndQuery: string, token: string | undefined, method = 'GET'): Promise<DpoAnswer> {
  const ca = await readFile(path.join(certsDir, 'ca/cert.pem'));
  return new Promise((resolve, reject) => {
    const req = request(new URL(pathAndQuery, hubUrl), { method, ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
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
