import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRevocationList } from '../../src/pki/index.js';
import { certsDir, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditEventually, caPem } from './support.js';

/**
 * A certificate revoked while its agency holds a kept-alive connection open
 * is refused on that same connection as soon as the hub has re-read the
 * revocation list (every 5 s), not when some per-connection cache runs out.
 */

const RELOAD_SECONDS = 5;

let redis: TestRedis;
let hub: TestHub;
let scratch: string;
let revocationFile: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'isp-hub-revoke-'));
  revocationFile = path.join(scratch, 'revocations.json');
  // A copy: the revocation made here must not reach certs-example/ or other tests.
  await copyFile(path.join(certsDir, 'ca/revocations.json'), revocationFile);
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis, { env: { REVOCATION_LIST: revocationFile } });
});
afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
});

interface Answer {
  status: number;
  code: string | undefined;
  reused: boolean;
  localPort: number | undefined;
}

function get(agent: Agent, url: URL): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/v1/inbox', method: 'GET', agent }, (res) => {
      const localPort = res.socket.localPort;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code, reused: req.reusedSocket, localPort });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('revocation on an open keep-alive connection', () => {
  it('the next requests on the same connection are refused with 401 CERT_REVOKED and audited against the agency', async () => {
    const credentials = await agencyCredentials('nv-housing');
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: await caPem(), ...credentials });
    const url = new URL(hub.url);
    try {
      const first = await get(agent, url);
      expect(first.status).toBe(200);
      const before = await hub.hub.parts.auditLog.size();

      const list = await openRevocationList(revocationFile);
      await list.revoke(new X509Certificate(credentials.cert).serialNumber, 'keyCompromise');
      const revokedAt = Date.now();

      let answer: Answer;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        answer = await get(agent, url);
        // Every answer, 200 or 401, came over the connection opened before the revocation.
        expect({ reused: answer.reused, localPort: answer.localPort }).toEqual({ reused: true, localPort: first.localPort });
      } while (answer.status === 200 && Date.now() - revokedAt < 20_000);

      expect({ status: answer.status, code: answer.code }).toEqual({ status: 401, code: 'CERT_REVOKED' });
      // The list is re-read every RELOAD_SECONDS; allow as much again for a loaded machine.
      expect(Date.now() - revokedAt).toBeLessThan(2 * RELOAD_SECONDS * 1000);
      const entries = await auditEventually(hub, before, (entry) => entry.event === 'authentication-failed');
      expect(entries).toContainEqual(expect.objectContaining({ event: 'authentication-failed', agency: 'nv-housing', decision: 'deny', outcome: 'CERT_REVOKED' }));
    } finally {
      agent.destroy();
    }
  }, 30_000);
});
