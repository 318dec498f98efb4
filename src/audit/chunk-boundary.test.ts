import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { bulkLoadAuditLog, syntheticAuditInput } from './bulk-load.js';
import { verifyFullLog } from './full-verify.js';
import { TREE_CHUNK_SIZE } from './keys.js';
import { createAuditLog } from './log.js';
import { createTestSigner } from './test-signer.js';
import { canonicalBytes, leafHash } from './verify/hashing.js';
import { MerkleFrontier } from './verify/merkle.js';
import { verifyCheckpoint, verifyInclusion } from './verify/index.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
});
afterAll(async () => {
  await redis.stop();
});

describe('an append batch whose leaf run crosses the 65,536-slot chunk boundary', () => {
  it('stores every leaf in the right chunk string: stored leaves, root, proofs and full verification agree', async () => {
    const signer = await createTestSigner();
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: redis.connect(), prefix, signer, maxBatch: 1024 });
    const before = TREE_CHUNK_SIZE - 300;
    await bulkLoadAuditLog(log, before, syntheticAuditInput);
    // One script call: 300 leaves at the end of chunk 0 and 700 at the start of chunk 1.
    const straddling = await log.appendMany(Array.from({ length: 1000 }, (_, offset) => syntheticAuditInput(before + offset)));
    expect(straddling[0]?.seq).toBe(before);
    const size = before + 1000;
    expect(await log.size()).toBe(size);

    const client = redis.connect();
    expect(await client.strlen(`${prefix}:audit:tree:0:0`)).toBe(TREE_CHUNK_SIZE * 32);
    expect(await client.strlen(`${prefix}:audit:tree:0:1`)).toBe(700 * 32);

    // Every leaf of the straddling batch is the hash of its stored entry, at its own slot.
    const leaves = await log.tree.readLeaves(before, 1000);
    straddling.forEach((entry, position) => {
      expect(leaves.subarray(position * 32, position * 32 + 32).equals(leafHash(canonicalBytes(entry))), `seq ${entry.seq}`).toBe(true);
    });

    // The stored tree has the root of an in-memory tree over all stored leaves.
    const all = await log.tree.readLeaves(0, size);
    const recomputed = new MerkleFrontier();
    for (let seq = 0; seq < size; seq += 1) recomputed.append(all.subarray(seq * 32, seq * 32 + 32));
    expect((await log.rootHash(size)).equals(recomputed.root())).toBe(true);
    expect((await log.tree.frontierAt(size)).root().equals(recomputed.root())).toBe(true);

    const checkpoint = await verifyCheckpoint((await log.checkpoint()).jws, signer.certificate);
    for (const seq of [TREE_CHUNK_SIZE - 1, TREE_CHUNK_SIZE, size - 1]) {
      const entry = await log.getEntry(seq);
      expect(verifyInclusion(entry as never, await log.inclusionProof(seq, size), checkpoint)).toBe(true);
    }
    expect(await verifyFullLog({ redis: client, prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: size });
  }, 120_000);
});
