import { HubError } from '../errors.js';

/**
 * Rejects JSON text nested deeper than `maxDepth` before it is parsed, so a
 * body like `[[[[...]]]]` never reaches JSON.parse or any recursive walker
 * (schema validation, canonicalisation) that could exhaust the stack. One pass
 * over the text with a counter: no recursion, O(n), and strings are skipped
 * so brackets inside them do not count (RFC 8259 s.7 string grammar).
 */
export function assertJsonDepth(text: string, maxDepth: number): void {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new TypeError('maxDepth must be a positive integer');
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c /* \ */) index += 1;
      else if (char === 0x22 /* " */) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      depth += 1;
      if (depth > maxDepth) throw new HubError('JSON_TOO_DEEP', 'JSON body is nested too deeply', { maxDepth });
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) depth -= 1;
  }
}
