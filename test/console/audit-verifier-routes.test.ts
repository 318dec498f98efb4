import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, startConsoleHubWithDpos, type ConsoleHub } from './harness.js';

/**
 * What an independent verifier needs from the API alone: every checkpoint,
 * in pages, and each entry's exact stored bytes, whose hash is the leaf the
 * inclusion proof starts from.
 */
let hub: ConsoleHub;
let scheme: string;
let housing: string;

beforeAll(async () => {
  ({ hub, scheme, housing } = await startConsoleHubWithDpos());
});
afterAll(async () => {
  await hub?.close();
});

describe('GET /v1/audit/entries/{seq}/canonical', () => {
  it('serves the stored bytes unchanged, whose RFC 6962 leaf hash is the proof\'s leaf', async () => {
    const seq = hub.seqs.adultDisclosure;
    const answer = await callApi(hub.url, `/v1/audit/entries/${seq}/canonical`, { token: scheme });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const stored = (await hub.redis.hgetBuffer(`${hub.prefix}:audit:entries`, String(seq)))!;
    expect(Buffer.from(answer.body, 'utf8').equals(stored)).toBe(true);
    const size = (await hub.auditLog.latestCheckpoint())!.checkpoint.treeSize;
    const proof = (await callApi(hub.url, `/v1/audit/proofs/inclusion?seq=${seq}&treeSize=${size}`, { token: scheme })).json();
    const leaf = createHash('sha256').update(Buffer.from([0])).update(Buffer.from(answer.body, 'utf8')).digest('base64');
    expect(leaf).toBe(proof.leafHash);
  });

  it('an agency DPO gets 404 for an entry outside their agency, like a missing one', async () => {
    const outside = await callApi(hub.url, `/v1/audit/entries/${hub.seqs.adultDisclosure}/canonical`, { token: housing });
    expect(outside.status).toBe(404);
    expect(outside.json().error.code).toBe('AUDIT_NOT_FOUND');
    const missing = await callApi(hub.url, '/v1/audit/entries/999999/canonical', { token: scheme });
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe('AUDIT_NOT_FOUND');
  });
});

describe('GET /v1/audit/checkpoints', () => {
  it('lists every checkpoint, smallest tree first, in pages that follow nextAfter', async () => {
    await hub.auditLog.checkpoint();
    const all = await hub.auditLog.checkpoints();
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let after: number | undefined;
    for (let pages = 0; pages < 20; pages += 1) {
      const answer = await callApi(hub.url, `/v1/audit/checkpoints?limit=1${after === undefined ? '' : `&after=${after}`}`, { token: scheme });
      expect(answer.status).toBe(200);
      const page = answer.json() as { checkpoints: Array<{ jws: string }>; nextAfter?: number };
      seen.push(...page.checkpoints.map((checkpoint) => checkpoint.jws));
      if (page.nextAfter === undefined) break;
      after = page.nextAfter;
    }
    // Reads of the log add entries but not checkpoints: the list is the one signed.
    expect(seen).toEqual(all.map((checkpoint) => checkpoint.jws));
    const bad = await callApi(hub.url, '/v1/audit/checkpoints?limit=0', { token: scheme });
    expect(bad.status).toBe(400);
  });
});
