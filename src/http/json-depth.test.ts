import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { assertJsonDepth } from './json-depth.js';

/** Depth by a recursive walk of the parsed value: the reference for the scanner. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isHubError(error) ? error.code : 'not-a-hub-error';
  }
}

describe('assertJsonDepth', () => {
  it('agrees with the depth of the parsed value for any JSON', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), fc.integer({ min: 1, max: 12 }), (text, max) => {
        const tooDeep = depthOf(JSON.parse(text)) > max;
        expect(codeOf(() => assertJsonDepth(text, max))).toBe(tooDeep ? 'JSON_TOO_DEEP' : undefined);
      }),
    );
  });

  it('does not count brackets inside strings, including after escaped quotes', () => {
    expect(codeOf(() => assertJsonDepth(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\"' }), 1))).toBeUndefined();
  });

  it('handles a million levels without recursion', () => {
    const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(codeOf(() => assertJsonDepth(text, 32))).toBe('JSON_TOO_DEEP');
  });

  it('treats a non-positive limit as a programming mistake', () => {
    expect(() => assertJsonDepth('[]', 0)).toThrow(TypeError);
  });
});
