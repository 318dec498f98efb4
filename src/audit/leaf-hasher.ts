import { Worker } from 'node:worker_threads';

/**
 * RFC 6962 leaf hashes (SHA-256(0x00 || entry bytes)) computed on a worker
 * thread, for full verification: hashing every entry is close to half of the
 * main thread's work there, and the main thread also has to parse Redis
 * replies and fold the leaves into the tree. With the worker, the next
 * batch is hashed while the main thread checks this one.
 *
 * The worker only computes; every comparison and every verdict stays in
 * full-verify.ts, so the report is the same with or without it.
 *
 * The worker's source is inline (eval) so that it runs unchanged from
 * compiled JavaScript, under tsx and under vitest, none of which would agree
 * on the path of a separate TypeScript worker file.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
parentPort.on('message', ({ packed, ends }) => {
  const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const leaves = new Uint8Array(ends.length * 32);
  let start = 0;
  for (let position = 0; position < ends.length; position += 1) {
    leaves.set(hash('sha256', bytes.subarray(start, ends[position]), 'buffer'), position * 32);
    start = ends[position];
  }
  parentPort.postMessage(leaves, [leaves.buffer]);
});
`;

export interface LeafHasher {
  /** The leaf hash of each body, as one buffer of 32-byte slots (a missing body gets the hash of the prefix alone). */
  hashLeaves(bodies: ReadonlyArray<Buffer | null | undefined>): Promise<Buffer>;
  close(): Promise<void>;
}

export function createLeafHasher(): LeafHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  // The worker answers in the order it was asked.
  const waiting: Array<{ resolve: (leaves: Buffer) => void; reject: (error: unknown) => void }> = [];
  let failure: unknown;
  const failAll = (error: unknown) => {
    failure ??= error;
    for (const pending of waiting.splice(0)) pending.reject(failure);
  };
  worker.on('message', (leaves: Uint8Array) => {
    waiting.shift()?.resolve(Buffer.from(leaves.buffer, leaves.byteOffset, leaves.byteLength));
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the leaf hashing worker stopped')));

  return {
    hashLeaves(bodies) {
      if (failure) return Promise.reject(failure);
      const { packed, ends } = packWithLeafPrefix(bodies);
      return new Promise<Buffer>((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage({ packed, ends }, [packed.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
      });
    },
    async close() {
      failure ??= new Error('the leaf hasher is closed');
      await worker.terminate();
    },
  };
}

/** Every body behind its 0x00 leaf prefix (RFC 6962 s.2.1), back to back, with the end offset of each. */
function packWithLeafPrefix(bodies: ReadonlyArray<Buffer | null | undefined>): { packed: Uint8Array; ends: Uint32Array } {
  let total = 0;
  for (const body of bodies) total += 1 + (body?.length ?? 0);
  const packed = new Uint8Array(total); // zero-filled: every prefix byte is already 0x00
  const ends = new Uint32Array(bodies.length);
  let offset = 0;
  bodies.forEach((body, position) => {
    offset += 1;
    if (body) {
      packed.set(body, offset);
      offset += body.length;
    }
    ends[position] = offset;
  });
  return { packed, ends };
}
