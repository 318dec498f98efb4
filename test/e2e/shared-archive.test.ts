import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyFullLog } from '../../src/audit/index.js';
import { dpoRequest, schemeDpoToken } from '../support/dpo.js';
import { example } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Hub processes share nothing but Redis and their configuration: the archive
 * and the checkpoint copies live in AUDIT_ARCHIVE_DIR, the one store every
 * process is configured to share. Two hubs with different DATA_DIRs on one
 * Redis and one archive store each verify and serve every entry, archived or
 * not; a hub whose archive folder is not that store refuses to write to it.
 */
describe('two hubs, one Redis, one shared archive store', () => {
  let redis: TestRedis;
  let first: TestHub;
  let second: TestHub;
  let stray: TestHub;
  let shared: string;

  beforeAll(async () => {
    redis = await startTestRedis({ appendOnly: false });
    shared = await mkdtemp(path.join(tmpdir(), 'isp-shared-archive-'));
    const prefix = redis.newPrefix();
    // The same configuration apart from DATA_DIR: hubs on one Redis must hold the same secrets.
    const secrets = { SUBJECT_KEY_SECRET: randomBytes(32).toString('hex'), FLAG_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    first = await startTestHub(redis, { prefix, env: { ...secrets, AUDIT_ARCHIVE_DIR: shared } });
    second = await startTestHub(redis, { prefix, role: 'api', env: { ...secrets, AUDIT_ARCHIVE_DIR: shared } });
    // Configured without AUDIT_ARCHIVE_DIR: its archive folder is DATA_DIR/audit-archive, its own.
    stray = await startTestHub(redis, { prefix, role: 'api', env: secrets });
  }, 90_000);
  afterAll(async () => {
    await stray?.stop();
    await second?.stop();
    await first?.stop();
    await redis?.stop();
    await rm(shared, { recursive: true, force: true });
  });

  it('after archiving, each hub verifies the whole log and serves every entry', async () => {
    expect(first.dataDir).not.toBe(second.dataDir);
    for (const hub of [first, second]) {
      const police = await hub.client('nv-police');
      expect((await police.send((await example('arrest-notification')) as never)).status).toBe(202);
    }
    const log = first.hub.parts.auditLog;
    await log.checkpoint();
    const archived = await log.archive({ olderThan: new Date(Date.now() + 60_000) });
    expect(archived.archivedUpTo).toBeGreaterThan(0);
    expect((await readdir(shared)).filter((name) => name.endsWith('.jsonl'))).not.toHaveLength(0);

    for (const hub of [first, second]) {
      const { parts } = hub.hub;
      const report = await verifyFullLog({ redis: parts.redis, prefix: hub.prefix, archiveDir: parts.archiveDir, hubCertificate: parts.keys.signing.certificate });
      expect(report, hub.dataDir).toMatchObject({ ok: true, archivedUpTo: archived.archivedUpTo });
      const token = await schemeDpoToken(hub);
      for (let seq = 0; seq < archived.archivedUpTo; seq += 1) {
        const answer = await dpoRequest(hub.url, `/v1/audit/entries/${seq}`, token);
        expect(answer.status, `seq ${seq} from ${hub.dataDir}`).toBe(200);
        expect(answer.json().entry.seq).toBe(seq);
      }
    }
  }, 90_000);

  it('a hub whose archive folder is not the shared store refuses to archive or sign, and says why', async () => {
    const log = stray.hub.parts.auditLog;
    const refusal = { code: 'AUDIT_STORE_NOT_SHARED', message: expect.stringContaining('set AUDIT_ARCHIVE_DIR to the shared store') };
    await expect(log.archive({ olderThan: new Date(Date.now() + 60_000) })).rejects.toMatchObject(refusal);
    const police = await stray.client('nv-police');
    expect((await police.send((await example('arrest-notification')) as never)).status).toBe(202);
    await expect(log.checkpoint()).rejects.toMatchObject(refusal);
    expect(await readdir(stray.hub.parts.archiveDir).catch(() => [])).not.toContain('checkpoints.jws.log');
  }, 60_000);
});
