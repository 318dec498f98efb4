import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { createTestSigner } from './test-signer.js';

type TestSigner = Awaited<ReturnType<typeof createTestSigner>>;

export interface AuditTestBed {
  /** The test file's own redis-server; each test takes a fresh prefix from it. */
  readonly redis: TestRedis;
  /** One hub signing key for the whole file. */
  readonly signer: TestSigner;
  /** A new empty archive folder, removed when the file's tests are done. */
  archiveDir(label: string): Promise<string>;
}

/**
 * For audit log tests only: registers the beforeAll/afterAll that start a
 * Redis (no append-only file: nothing here must outlive the file) and a
 * signing key, and remove the archive folders the tests made. Call it once at
 * the top of a test file; read `redis` and `signer` inside tests and helpers,
 * not at load time, as they exist only once beforeAll has run.
 */
export function useAuditTestBed(): AuditTestBed {
  let redis: TestRedis | undefined;
  let signer: TestSigner | undefined;
  const folders: string[] = [];
  beforeAll(async () => {
    redis = await startTestRedis({ appendOnly: false });
    signer = await createTestSigner();
  });
  afterAll(async () => {
    await redis?.stop();
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the audit test bed was read before its beforeAll ran');
    return value;
  };
  return {
    get redis() {
      return started(redis);
    },
    get signer() {
      return started(signer);
    },
    async archiveDir(label) {
      const folder = await mkdtemp(path.join(tmpdir(), `isp-${label}-`));
      folders.push(folder);
      return folder;
    },
  };
}
