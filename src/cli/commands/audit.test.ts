import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../../../test/support/cli.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createAuditLog, type AuditEntryInput } from '../../audit/index.js';
import { createTestSigner } from '../../audit/test-signer.js';

// Each run starts the whole CLI through tsx: seconds apiece on a busy 2-core machine.
const CLI_TIMEOUT = 180_000;

let redis: TestRedis;
let folder: string;
let signer: Awaited<ReturnType<typeof createTestSigner>>;

beforeAll(async () => {
  redis = await startTestRedis();
  folder = await mkdtemp(path.join(tmpdir(), 'isp-audit-cli-'));
  signer = await createTestSigner();
  await writeFile(path.join(folder, 'hub-cert.pem'), signer.certificatePem);
});
afterAll(async () => {
  await redis.stop();
  await rm(folder, { recursive: true, force: true });
});

const input = (position: number): AuditEntryInput => ({
  event: 'consultation',
  agency: 'northvale-yot',
  actor: { id: `yo-${position}`, role: 'yot-officer' },
  purpose: 'child-safeguarding',
  decision: 'permit',
});

async function file(name: string, content: unknown): Promise<string> {
  const target = path.join(folder, name);
  await writeFile(target, typeof content === 'string' ? content : JSON.stringify(content));
  return target;
}

describe('isp-hub audit verify', () => {
  it('checks a checkpoint and inclusion and consistency proofs from files', async () => {
    const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix(), signer, origin: 'northvale-hub' });
    await log.appendMany(Array.from({ length: 9 }, (_, i) => input(i)));
    const older = await log.checkpoint();
    await log.appendMany(Array.from({ length: 8 }, (_, i) => input(9 + i)));
    const newer = await log.checkpoint();
    const cert = path.join(folder, 'hub-cert.pem');
    const checkpoint = await file('new.jws', newer.jws);
    const oldCheckpoint = await file('old.jws', older.jws);
    const inclusion = await file('inclusion.json', await log.inclusionProof(4, 17));
    const entry = await file('entry.json', await log.getEntry(4));

    const included = await runIspHub(['audit', 'verify', '--cert', cert, '--checkpoint', checkpoint, '--proof', inclusion, '--entry', entry]);
    expect(included.code).toBe(0);
    expect(included.stdout).toContain('checkpoint OK: size 17');
    expect(included.stdout).toContain('inclusion OK: the entry at seq 4');

    const consistency = await file('consistency.json', await log.consistencyProof(9, 17));
    const consistent = await runIspHub(['audit', 'verify', '--cert', cert, '--checkpoint', checkpoint, '--old-checkpoint', oldCheckpoint, '--proof', consistency]);
    expect(consistent.code).toBe(0);
    expect(consistent.stdout).toContain('consistency OK');

    const otherEntry = await file('other.json', await log.getEntry(5));
    const wrong = await runIspHub(['audit', 'verify', '--cert', cert, '--checkpoint', checkpoint, '--proof', inclusion, '--entry', otherEntry]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('AUDIT_PROOF_INVALID');
  }, CLI_TIMEOUT);

  it('names a consistency proof that fails between two validly signed checkpoints a fork', async () => {
    const client = redis.connect();
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: client, prefix, signer, origin: 'northvale-hub' });
    await log.appendMany(Array.from({ length: 9 }, (_, i) => input(i)));
    const older = await log.checkpoint();
    // It has stopped: while it still held the sequencer lease it would integrate the other's appends, find the
    // lowered size itself and fail them (AUDIT_LOG_INCONSISTENT), and no fork would ever be signed to verify.
    await log.close();
    // An appender that went on from a lowered size, knowing nothing of the checkpoint at 9: what the guard now stops.
    await client.set(`${prefix}:audit:size`, '5');
    await client.del(`${prefix}:audit:checkpoints`);
    const unguarded = createAuditLog({ redis: client, prefix, signer, origin: 'northvale-hub' });
    await unguarded.appendMany(Array.from({ length: 12 }, (_, i) => input(50 + i)));
    const newer = await unguarded.checkpoint();
    const result = await runIspHub([
      'audit', 'verify', '--cert', path.join(folder, 'hub-cert.pem'),
      '--checkpoint', await file('fork-new.jws', newer.jws),
      '--old-checkpoint', await file('fork-old.jws', older.jws),
      '--proof', await file('fork-proof.json', await unguarded.consistencyProof(9, 17)),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('fork: the signed tree of size 17 does not extend the signed tree of size 9');
  }, CLI_TIMEOUT);

  it('--full names the first entry that does not match, and shows progress on stderr', async () => {
    const prefix = redis.newPrefix();
    const archiveDir = path.join(folder, 'archive');
    const client = redis.connect();
    const log = createAuditLog({ redis: client, prefix, signer, archiveDir });
    const entries = await log.appendMany(Array.from({ length: 50 }, (_, i) => input(i)));
    await log.checkpoint();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, AUDIT_ARCHIVE_DIR: archiveDir, NODE_ENV: 'test' };
    const cert = path.join(folder, 'hub-cert.pem');

    const honest = await runIspHub(['audit', 'verify', '--full', '--cert', cert], { env });
    expect(honest.code).toBe(0);
    expect(honest.stdout).toContain('OK: 50 entries');
    expect(honest.stderr).toContain('verified 50/50 entries (100%)');

    const body = (await client.hget(`${prefix}:audit:entries`, '31'))!;
    await client.hset(`${prefix}:audit:entries`, '31', body.replace('yo-31', 'yo-13'));
    const tampered = await runIspHub(['audit', 'verify', '--full', '--cert', cert], { env });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`FAILED: entry-mismatch at seq 31 (id ${entries[31]!.id})`);
  }, CLI_TIMEOUT);

  it('--full without REDIS_URL says what to set', async () => {
    const result = await runIspHub(['audit', 'verify', '--full', '--cert', path.join(folder, 'hub-cert.pem')], { env: { REDIS_URL: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONFIG_INVALID');
  }, CLI_TIMEOUT);
});
