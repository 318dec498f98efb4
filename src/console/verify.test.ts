import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signCheckpoint } from '../audit/checkpoint-signer.js';
import { toPublicJwk } from '../http/jwks.js';

/**
 * The console's in-browser checks (verify.js) run here under Node's WebCrypto
 * against independent references: the canonicalize package for RFC 8785, the
 * recursive RFC 6962 s.2.1.1/2.1.2 definitions for proofs, and checkpoints
 * signed by the audit log's own signer.
 */

const verify: any = await import('./verify.js' as string);
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafOf = (data: Buffer) => sha(Buffer.from([0]), data);
const node = (left: Buffer, right: Buffer) => sha(Buffer.from([1]), left, right);
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))] : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}
const leavesOf = (n: number) => Array.from({ length: n }, (_, index) => leafOf(Buffer.from(`entry-${index}`)));
const bytes = (buffer: Buffer) => new Uint8Array(buffer);
const flip = (buffer: Buffer) => {
  const copy = Buffer.from(buffer);
  copy[0] = (copy[0] as number) ^ 1;
  return copy;
};

describe('console verify.js', () => {
  it('canonicalises exactly as RFC 8785 (the canonicalize package)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => verify.canonicalize(value) === canonicalize(value)), { numRuns: 300 });
    expect(verify.canonicalize({ b: 1, a: [true, null, 'é\u2028'], 'é': { z: 0.5, y: 1e21 } })).toBe(canonicalize({ b: 1, a: [true, null, 'é\u2028'], 'é': { z: 0.5, y: 1e21 } }));
  });

  it('leaf hash of an entry is SHA-256(0x00 || canonical JSON)', async () => {
    const entry = { seq: 3, id: 'ae_0123456789ab', time: '2026-01-02T03:04:05.678Z', event: 'disclosure', agency: 'nv-police', recipients: ['nv-yot'] };
    const expected = leafOf(Buffer.from(canonicalize(entry), 'utf8'));
    expect(Buffer.from(await verify.entryLeafHash(entry)).equals(expected)).toBe(true);
  });

  it('accepts every RFC 6962 inclusion proof up to 33 leaves and rejects a changed one', async () => {
    for (let n = 1; n <= 33; n += 1) {
      const leaves = leavesOf(n);
      const root = mth(leaves);
      for (let m = 0; m < n; m += 1) {
        const proof = path(m, leaves);
        const computed = await verify.rootFromInclusion(m, n, bytes(leaves[m] as Buffer), proof.map(bytes));
        expect(computed && Buffer.from(computed).equals(root)).toBe(true);
        if (proof.length > 0) {
          const bad = await verify.rootFromInclusion(m, n, bytes(leaves[m] as Buffer), [bytes(flip(proof[0] as Buffer)), ...proof.slice(1).map(bytes)]);
          expect(bad && Buffer.from(bad).equals(root)).toBeFalsy();
        }
      }
      expect(await verify.rootFromInclusion(n, n, bytes(leaves[0] as Buffer), [])).toBeNull();
    }
  });

  it('accepts every RFC 6962 consistency proof up to 33 leaves and rejects a changed one', async () => {
    for (let n = 1; n <= 33; n += 1) {
      const leaves = leavesOf(n);
      for (let m = 1; m <= n; m += 1) {
        const proof = m === n ? [] : subproof(m, leaves, true);
        const first = mth(leaves.slice(0, m));
        const second = mth(leaves);
        expect({ m, n, ok: await verify.consistencyHolds(m, n, bytes(first), bytes(second), proof.map(bytes)) }).toEqual({ m, n, ok: true });
        if (proof.length > 0) {
          expect(await verify.consistencyHolds(m, n, bytes(first), bytes(second), [bytes(flip(proof[0] as Buffer)), ...proof.slice(1).map(bytes)])).toBe(false);
        }
        if (m < n) expect(await verify.consistencyHolds(m, n, bytes(flip(first)), bytes(second), proof.map(bytes))).toBe(false);
      }
    }
  });

  it('verifies a checkpoint JWS signed by the hub signer with the published JWK, and refuses a changed one', async () => {
    const certificate = new X509Certificate(readFileSync(new URL('../../certs-example/hub/signing-cert.pem', import.meta.url)));
    const privateKey = createPrivateKey(readFileSync(new URL('../../certs-example/hub/signing-key.pem', import.meta.url)));
    const checkpoint = { origin: 'isp-hub', treeSize: 5, rootHash: mth(leavesOf(5)).toString('base64'), time: '2026-01-02T03:04:05.678Z' };
    const jws = await signCheckpoint({ privateKey, certificate }, checkpoint);
    const jwks = { keys: [toPublicJwk({ kid: 'hub-sig-1', use: 'sig', alg: 'ES256', key: privateKey, certificateChain: [certificate] })] };
    const good = await verify.verifyCheckpointJws(jws, jwks);
    expect(good).toMatchObject({ ok: true, checkpoint });
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const changedPayload = Buffer.from(JSON.stringify({ ...checkpoint, treeSize: 6 })).toString('base64url');
    expect((await verify.verifyCheckpointJws(`${header}.${changedPayload}.${signature}`, jwks)).ok).toBe(false);
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'isp-audit-checkpoint+jws' })).toString('base64url');
    expect((await verify.verifyCheckpointJws(`${noneHeader}.${payload}.`, jwks)).ok).toBe(false);
    const otherKeys = { keys: [{ ...jwks.keys[0], 'x5t#S256': 'A'.repeat(43) }] };
    expect((await verify.verifyCheckpointJws(jws, otherKeys)).reason).toMatch(/no hub signing key/);
  });
});
