import type { IndexedMembers } from './index-membership.js';

/** The members of a stored entry that decide its search indexes, with its time (the time index's score). */
export type IndexFields = IndexedMembers & { time?: string };

/**
 * Reads the members that decide an entry's search indexes from its stored
 * text (the UTF-8 of its bytes), for full verification, which needs them for every entry of the log.
 *
 * JSON.parse of the whole entry cost about as much as every other step of
 * verifying it together, most of it spent building values no index uses (the
 * field lists, rule ids, reasons). An entry inside a signed checkpoint is
 * valid JSON as the hub wrote it (RFC 8785 canonical form), or the tree would
 * not have the signed root and the report names that first. Such an entry
 * with no backslash in it has no escaped character in any string, so every
 * `"` opens or closes a string, and its members can be walked from quote to
 * quote (String.indexOf of one character, which V8 does at memory speed)
 * without decoding the values that are skipped.
 *
 * The walk gives up on anything outside the shapes it reads exactly
 * (a backslash, an object other than `actor` or one with other than string
 * members, an array holding anything but strings, an index member that is
 * not a string, or one that comes twice), and JSON.parse reads that
 * entry, as it does every entry past the last signed checkpoint, so the
 * result is the same as JSON.parse's either way.
 */
export function readIndexFields(text: string, signed: boolean): IndexFields {
  return (signed ? walkMembers(text) : undefined) ?? (JSON.parse(text) as IndexFields);
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Members read, one bit each, to refuse one that comes twice. */
const AGENCY = 1;
const DECISION = 2;
const EVENT = 4;
const PURPOSE = 8;
const TIME = 16;
const RECIPIENTS = 32;
const SUBJECT_KEYS = 64;
const ACTOR = 128;

/** The top-level members of a JSON object with no backslash in it; undefined where it leaves the shapes read here. */
function walkMembers(text: string): IndexFields | undefined {
  const last = text.length - 1;
  if (text.indexOf('\\') !== -1 || text.charCodeAt(0) !== OPEN_OBJECT || text.charCodeAt(last) !== CLOSE_OBJECT) return undefined;
  const fields: Partial<IndexFields> = {};
  let seen = 0;
  let position = 1;
  if (position === last) return undefined;
  for (;;) {
    // A member: "name":value
    if (text.charCodeAt(position) !== QUOTE) return undefined;
    const nameEnd = text.indexOf('"', position + 1);
    if (nameEnd === -1 || text.charCodeAt(nameEnd + 1) !== COLON) return undefined;
    const valueAt = nameEnd + 2;
    const member = memberOf(text, position + 1, nameEnd);
    const end = member === ACTOR ? readActor(text, valueAt, fields) : skipValue(text, valueAt);
    if (end === -1) return undefined;
    if (member !== 0 && member !== ACTOR) {
      if (!takeValue(text, member, valueAt, end, fields)) return undefined;
    }
    if (member !== 0) {
      if (seen & member) return undefined;
      seen |= member;
    }
    const next = text.charCodeAt(end);
    if (next === CLOSE_OBJECT && end === last) break;
    if (next !== COMMA) return undefined;
    position = end + 1;
  }
  // JSON.parse decides for an entry without the members every entry has.
  if ((seen & (AGENCY | EVENT | RECIPIENTS | SUBJECT_KEYS)) !== (AGENCY | EVENT | RECIPIENTS | SUBJECT_KEYS)) return undefined;
  return fields as IndexFields;
}

/** Which member of the index set the name in text[from, to) is, or 0. Most names are told apart by length and one letter. */
function memberOf(text: string, from: number, to: number): number {
  switch (to - from) {
    case 4:
      return text.charCodeAt(from) === 0x74 && text.startsWith('time', from) ? TIME : 0;
    case 5: {
      const first = text.charCodeAt(from);
      if (first === 0x65) return text.startsWith('event', from) ? EVENT : 0;
      return first === 0x61 && text.startsWith('actor', from) ? ACTOR : 0;
    }
    case 6:
      return text.charCodeAt(from) === 0x61 && text.startsWith('agency', from) ? AGENCY : 0;
    case 7:
      return text.charCodeAt(from) === 0x70 && text.startsWith('purpose', from) ? PURPOSE : 0;
    case 8:
      return text.charCodeAt(from) === 0x64 && text.startsWith('decision', from) ? DECISION : 0;
    case 10:
      return text.charCodeAt(from) === 0x72 && text.startsWith('recipients', from) ? RECIPIENTS : 0;
    case 11:
      return text.charCodeAt(from + 7) === 0x4b && text.startsWith('subjectKeys', from) ? SUBJECT_KEYS : 0;
    default:
      return 0;
  }
}

/** Stores the value in text[at, end) of an index member; false if it is not the type JSON.parse would give the index. */
function takeValue(text: string, member: number, at: number, end: number, fields: Partial<IndexFields>): boolean {
  if (member === RECIPIENTS || member === SUBJECT_KEYS) {
    if (text.charCodeAt(at) !== OPEN_ARRAY) return false;
    const values = stringsIn(text, at, end);
    if (member === RECIPIENTS) fields.recipients = values;
    else fields.subjectKeys = values;
    return true;
  }
  if (text.charCodeAt(at) !== QUOTE) return false;
  const value = text.slice(at + 1, end - 1);
  if (member === AGENCY) fields.agency = value;
  else if (member === DECISION) fields.decision = value as IndexFields['decision'];
  else if (member === EVENT) fields.event = value as IndexFields['event'];
  else if (member === PURPOSE) fields.purpose = value;
  else fields.time = value;
  return true;
}

/** The strings of an array already walked by skipValue (text[at] is `[`, text[end - 1] is `]`). */
function stringsIn(text: string, at: number, end: number): string[] {
  const values: string[] = [];
  let position = at + 1;
  while (position < end - 1) {
    const close = text.indexOf('"', position + 1);
    values.push(text.slice(position + 1, close));
    position = close + 2;
  }
  return values;
}

/** The position just after the value at `at`: a string, an array of strings, or a number, true, false or null; -1 for any other. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) {
    const close = text.indexOf('"', at + 1);
    return close === -1 ? -1 : close + 1;
  }
  if (first === OPEN_ARRAY) {
    let position = at + 1;
    if (text.charCodeAt(position) === CLOSE_ARRAY) return position + 1;
    for (;;) {
      if (text.charCodeAt(position) !== QUOTE) return -1;
      const close = text.indexOf('"', position + 1);
      if (close === -1) return -1;
      const next = text.charCodeAt(close + 1);
      if (next === CLOSE_ARRAY) return close + 2;
      if (next !== COMMA) return -1;
      position = close + 2;
    }
  }
  if (first === OPEN_OBJECT || Number.isNaN(first)) return -1;
  // A number or literal runs to the next comma or closing brace (it can hold neither).
  let position = at;
  for (;;) {
    const code = text.charCodeAt(position);
    if (code === COMMA || code === CLOSE_OBJECT) return position === at ? -1 : position;
    if (code === QUOTE || code === OPEN_ARRAY || code === CLOSE_ARRAY || code === OPEN_OBJECT || Number.isNaN(code)) return -1;
    position += 1;
  }
}

/** `actor`, an object of string members, of which `id` is kept (an actor without one is left to JSON.parse); the position after it, or -1. */
function readActor(text: string, at: number, fields: Partial<IndexFields>): number {
  if (text.charCodeAt(at) !== OPEN_OBJECT) return -1;
  let id: string | undefined;
  let position = at + 1;
  if (text.charCodeAt(position) === CLOSE_OBJECT) return -1;
  for (;;) {
    if (text.charCodeAt(position) !== QUOTE) return -1;
    const nameEnd = text.indexOf('"', position + 1);
    if (nameEnd === -1 || text.charCodeAt(nameEnd + 1) !== COLON || text.charCodeAt(nameEnd + 2) !== QUOTE) return -1;
    const valueEnd = text.indexOf('"', nameEnd + 3);
    if (valueEnd === -1) return -1;
    if (nameEnd - position === 3 && text.startsWith('id', position + 1)) {
      if (id !== undefined) return -1;
      id = text.slice(nameEnd + 3, valueEnd);
    }
    const next = text.charCodeAt(valueEnd + 1);
    if (next === CLOSE_OBJECT) {
      if (id === undefined) return -1;
      fields.actor = { id };
      return valueEnd + 2;
    }
    if (next !== COMMA) return -1;
    position = valueEnd + 2;
  }
}
