import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { createIdempotencyStore } from './idempotency-store.js';

let testRedis: TestRedis;
let redis: Redis;

beforeAll(async () => {
  testRedis = await startTestRedis({ appendOnly: false });
  redis = testRedis.connect();
});
afterAll(async () => {
  await testRedis?.stop();
});

const store = (leaseMs?: number) =>
  createIdempotencyStore<{ id: string }>({ redis, prefix: testRedis.newPrefix(), ttlSeconds: 600, ...(leaseMs ? { leaseMs } : {}) });

describe('idempotency store', () => {
  it('claims a new jti once, answers a later same-bytes retry with the stored answer, and refuses other bytes', async () => {
    const records = store();
    expect(await records.claim('nv-police', 'jti-1', 'hash-a')).toMatchObject({ kind: 'new' });
    await records.complete('nv-police', 'jti-1', { id: 'msg_one' });
    expect(await records.claim('nv-police', 'jti-1', 'hash-a')).toEqual({ kind: 'replay', answer: { id: 'msg_one' } });
    await expect(records.claim('nv-police', 'jti-1', 'hash-b')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    // Another agency's jti is its own.
    expect(await records.claim('nv-housing', 'jti-1', 'hash-b')).toMatchObject({ kind: 'new' });
  });

  it('makes a same-bytes retry that arrives while the first attempt works wait for its answer, not process again', async () => {
    const records = store(5000);
    expect(await records.claim('nv-police', 'jti-2', 'hash-a')).toMatchObject({ kind: 'new' });
    const concurrent = Promise.all([1, 2, 3].map(() => records.claim('nv-police', 'jti-2', 'hash-a')));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await records.complete('nv-police', 'jti-2', { id: 'msg_two' });
    expect(await concurrent).toEqual([1, 2, 3].map(() => ({ kind: 'replay', answer: { id: 'msg_two' } })));
  });

  it('lets exactly one retry take over once the first attempt died (its lease ran out)', async () => {
    const records = store(200);
    expect(await records.claim('nv-police', 'jti-3', 'hash-a')).toMatchObject({ kind: 'new' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const claims = Promise.all([1, 2].map(() => records.claim('nv-police', 'jti-3', 'hash-a')));
    // The one that took over answers; the other waits for that answer.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await records.complete('nv-police', 'jti-3', { id: 'msg_three' });
    const kinds = (await claims).map((claim) => claim.kind).sort();
    expect(kinds).toEqual(['replay', 'retry-unanswered']);
  });

  it('lets a waiting retry take over at once when the first attempt releases its lease, and ignores a release by anyone else or after the answer', async () => {
    const records = store(60_000);
    const first = await records.claim('nv-police', 'jti-4', 'hash-a');
    if (first.kind !== 'new') throw new Error('expected a new claim');
    const retry = records.claim('nv-police', 'jti-4', 'hash-a');
    await records.release('nv-police', 'jti-4', 'not-the-lease');
    // Still held by the first attempt: the retry waits.
    expect(await Promise.race([retry.then(() => 'taken'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))])).toBe('waiting');
    const released = Date.now();
    await records.release('nv-police', 'jti-4', first.lease);
    const takenOver = await retry;
    expect(takenOver.kind).toBe('retry-unanswered');
    expect(Date.now() - released).toBeLessThan(5_000); // not the 60 s lease
    await records.complete('nv-police', 'jti-4', { id: 'msg_four' });
    if (takenOver.kind !== 'retry-unanswered') throw new Error('expected a take-over');
    await records.release('nv-police', 'jti-4', takenOver.lease);
    expect(await records.claim('nv-police', 'jti-4', 'hash-a')).toEqual({ kind: 'replay', answer: { id: 'msg_four' } });
  });
});
