/**
 * For tests, benchmarks and the demo only: a deterministic pseudo-random
 * sequence in [0, 1) from a seed (mulberry32: small, fast and good enough for
 * synthetic data), so the same seed gives the same data and a failure or a
 * measurement can be replayed.
 */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
