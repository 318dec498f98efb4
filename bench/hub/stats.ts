/** Small statistics for the hub benchmark: percentiles and per-second series. */

/** Nearest-rank percentile (p in 0..100) of values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

/** One second of a run: messages delivered in it and the latency of those deliveries. */
export interface SecondPoint extends Percentiles {
  second: number;
  rssMb?: number;
}

/** Buckets (receivedAtMs, latencyMs) samples by whole seconds since `startMs`. */
export function perSecond(samples: ReadonlyArray<{ receivedAtMs: number; latencyMs: number }>, startMs: number, seconds: number): SecondPoint[] {
  const buckets: number[][] = Array.from({ length: seconds }, () => []);
  for (const sample of samples) {
    const index = Math.floor((sample.receivedAtMs - startMs) / 1000);
    if (index >= 0 && index < seconds) buckets[index]!.push(sample.latencyMs);
  }
  return buckets.map((bucket, second) => ({ second, ...summarise(bucket) }));
}

export const round = (value: number, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
