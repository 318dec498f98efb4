import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createAuditLog } from '../index.js';
import { createSubjectKeyer } from '../subject-keys.js';
import { createAuditSearch } from './index.js';

/**
 * Every entry read is placed by the position it is stored at, and that
 * position is checked against the `seq` written inside it: two entries
 * swapped within one page must not look right through search or export.
 */
const keyer = createSubjectKeyer(Buffer.alloc(32, 5));
const dpo = { id: 'dpo-0003', role: 'data-protection-officer' };
const scheme = { kind: 'scheme' } as const;

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startTestRedis({ appendOnly: false });
  redis = server.connect();
});
afterAll(async () => {
  await server.stop();
});

async function swappedLog() {
  const prefix = server.newPrefix();
  const log = createAuditLog({ redis, prefix });
  for (let position = 0; position < 6; position += 1) {
    await log.append({ event: 'refusal', agency: 'nv-police', decision: 'deny', recipients: ['nv-housing'], outcome: 'denied', reason: `refusal ${position}` });
  }
  const key = `${prefix}:audit:entries`;
  const [two, three] = await redis.hmgetBuffer(key, '2', '3');
  await redis.hset(key, '2', three!, '3', two!);
  return { log, search: createAuditSearch({ redis, prefix, auditLog: log, subjectKeyer: keyer }) };
}

async function drain(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('stored position against the entry\'s own seq', () => {
  it('search: AUDIT_TAMPERED naming the position and the seq found there', async () => {
    const { search } = await swappedLog();
    await expect(search.search({ agency: 'nv-police' }, scheme, dpo)).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', details: { seq: 3, found: 2 } });
  });

  it('export: AUDIT_TAMPERED rather than a file with the two entries in each other\'s place', async () => {
    const { search } = await swappedLog();
    await expect(search.openExport('jsonl', {}, scheme, dpo).then(drain)).rejects.toMatchObject({ code: 'AUDIT_TAMPERED' });
  });

  it('reading by seq: the same check', async () => {
    const { log } = await swappedLog();
    await expect(log.getEntries([2])).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', details: { seq: 2, found: 3 } });
    expect((await log.getEntries([0, 1, 4])).map((entry) => entry.seq)).toEqual([0, 1, 4]);
  });
});
