import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { syntheticAuditInput } from './bulk-load.js';
import { verifyFullLog } from './full-verify.js';
import { createAuditLog } from './log.js';
import { createTestSigner } from './test-signer.js';

/**
 * The appender sends a second batch built on a first that Redis has not
 * answered yet. When the first is refused, the second must be refused too,
 * even when another process has brought the log to exactly the size the
 * second expects: that is append.lua's chain check.
 */
let redis: TestRedis;
let signer: Awaited<ReturnType<typeof createTestSigner>>;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  signer = await createTestSigner();
});
afterAll(async () => {
  await redis.stop();
});

describe('batches sent ahead', () => {
  it('refuses a batch whose base was not stored although the size matches, then stores both in order', async () => {
    const prefix = redis.newPrefix();
    const hubA = createAuditLog({ redis: redis.connect(), prefix, signer });
    const hubB = createAuditLog({ redis: redis.connect(), prefix, signer });
    await hubA.append(syntheticAuditInput(0)); // hub A now believes the log has 1 entry
    await hubB.appendMany(Array.from({ length: 64 }, (_, i) => syntheticAuditInput(1 + i))); // ... but it has 65
    // 128 appends in one tick go as two batches of 64: the first expects size 1 and is refused;
    // the second expects size 65 (which matches) on top of the first's last leaf (which is not there).
    const sent = await hubA.appendMany(Array.from({ length: 128 }, (_, i) => syntheticAuditInput(65 + i)));
    expect(sent.map((entry) => entry.seq)).toEqual(Array.from({ length: 128 }, (_, i) => 65 + i));
    expect(await hubA.size()).toBe(193);
    expect((await hubA.getEntries([65, 129, 192])).map((entry) => entry.messageId)).toEqual(['msg-65', 'msg-129', 'msg-192']);
    await hubA.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 193 });
  });

  it('keeps writers that each await their own append in one order with no gaps, and the tree verifies', async () => {
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: redis.connect(), prefix, signer });
    const seen: number[] = [];
    let position = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 50; i += 1) seen.push((await log.append(syntheticAuditInput(position++))).seq);
      }),
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, seq) => seq));
    await log.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 400 });
  });

  it('keeps one total order when several hub processes each send batches ahead at once', async () => {
    const prefix = redis.newPrefix();
    const hubs = [0, 1, 2].map(() => createAuditLog({ redis: redis.connect(), prefix, signer }));
    // Each hub gets bursts of 300 (split into two batches of 150 in flight) while the others race it.
    const appended = (
      await Promise.all(
        hubs.map(async (hub, h) => {
          const mine = [];
          for (let round = 0; round < 3; round += 1) {
            mine.push(...(await hub.appendMany(Array.from({ length: 300 }, (_, i) => syntheticAuditInput(h * 10_000 + round * 1000 + i)))));
          }
          return mine;
        }),
      )
    ).flat();
    expect(appended.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 2700 }, (_, seq) => seq));
    const log = hubs[0] as (typeof hubs)[number];
    await log.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 2700 });
  });

  it('never splits one appendMany call across script calls, whatever maxBatch and the send-ahead split would cut', async () => {
    for (const [maxBatch, sizes] of [
      [4, [10]],
      [4, [3, 5, 2, 1, 4]],
      [512, [100, 100, 100]], // 300 queued: the send-ahead split at 150 falls inside the second call
      [64, [70, 3, 70]],
    ] as const) {
      const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix(), signer, maxBatch });
      const batches: string[][] = [];
      log.onAppended((entries) => batches.push(entries.map((entry) => entry.messageId as string)));
      let position = 0;
      const calls = sizes.map((size) => Array.from({ length: size }, () => syntheticAuditInput(position++)));
      const stored = await Promise.all(calls.map((inputs) => log.appendMany(inputs)));
      calls.forEach((inputs, call) => {
        const ids = inputs.map((input) => input.messageId as string);
        expect(stored[call]?.map((entry) => entry.messageId)).toEqual(ids);
        const holding = batches.filter((batch) => ids.some((id) => batch.includes(id)));
        expect(holding, `maxBatch ${maxBatch}, call ${call} of ${sizes.join('+')}`).toHaveLength(1);
        // ... as consecutive seqs, in the order given
        const seqs = (stored[call] ?? []).map((entry) => entry.seq);
        expect(seqs).toEqual(seqs.map((_, offset) => (seqs[0] as number) + offset));
      });
      expect(batches.flat()).toHaveLength(position);
    }
  });
});
