/**
 * Reading a ledger line's message type as the one string already seen. A
 * million facts name a handful of types, and every fact is sorted by its type
 * (a switch, a lookup keyed by it): the string kept is the engine's
 * internalized copy (a property name), so comparing it with a literal is a
 * pointer comparison rather than one character by character, and a
 * remembered string never holds a chunk of the ledger in memory (V8 keeps a
 * longer slice as a view of its parent). Days and agencies are plain slices:
 * a short slice costs less to make than to look up.
 */
const WORDS_PER_SHAPE = 8;
const MAX_WORDS = 4096;

/** Words seen, by shape (wordShape): a few candidates each, told apart character by character. */
const wordsByShape = new Map<number, string[]>();
let wordCount = 0;

/** A short code (a message type) at line[from, to). */
export function repeatedWord(line: string, from: number, to: number): string {
  const shape = wordShape(line, from, to);
  const seen = wordsByShape.get(shape);
  if (seen) for (const word of seen) if (word.length === to - from && sameSpan(line, from, word)) return word;
  const word = sharedText(line.slice(from, to));
  if (wordCount < MAX_WORDS && (seen?.length ?? 0) < WORDS_PER_SHAPE) {
    if (seen) seen.push(word);
    else wordsByShape.set(shape, [word]);
    wordCount += 1;
  }
  return word;
}

/**
 * A small number from a span's length and its first, middle and last
 * characters: message types and agency ids of one shape are rare, so a
 * lookup by it finds one candidate (a Map keyed by small integers, with no
 * string made or hashed).
 */
function wordShape(line: string, from: number, to: number): number {
  const length = to - from;
  if (length <= 0) return 0;
  return (Math.min(length, 255) | ((line.charCodeAt(from) & 127) << 8) | ((line.charCodeAt(from + (length >> 1)) & 127) << 15) | ((line.charCodeAt(to - 1) & 127) << 22)) >>> 0;
}

/** Whether line[from, from + word.length) is `word`. */
function sameSpan(line: string, from: number, word: string): boolean {
  for (let at = 0; at < word.length; at += 1) if (line.charCodeAt(from + at) !== word.charCodeAt(at)) return false;
  return true;
}

/** The decimal number at line[from, from + count), or -1 when a character is not a digit. */
export function digitsOf(line: string, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = line.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return count > 0 ? value : -1;
}

/** The same text as the engine's one shared copy: property names are internalized, and Object.keys hands back that copy. */
export function sharedText(text: string): string {
  return Object.keys({ [text]: true })[0] ?? text;
}
