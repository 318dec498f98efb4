import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from './backoff.js';

describe('jitteredBackoff', () => {
  const settings = { baseMs: 1000, maxMs: 60_000 };

  it('stays between half and all of the exponential step, capped at the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempts, random) => {
        const step = Math.min(settings.maxMs, settings.baseMs * 2 ** (attempts - 1));
        const delay = jitteredBackoff(attempts, settings, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(step);
      }),
    );
  });

  it('doubles the step after each failure until the cap', () => {
    const lowest = (attempts: number) => jitteredBackoff(attempts, settings, () => 0);
    expect([1, 2, 3, 4].map(lowest)).toEqual([500, 1000, 2000, 4000]);
    expect(lowest(20)).toBe(30_000);
  });

  it('spreads deliveries that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => jitteredBackoff(3, settings)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('refuses a nonsensical attempt count as a programming mistake', () => {
    expect(() => jitteredBackoff(0, settings)).toThrow(TypeError);
  });
});
