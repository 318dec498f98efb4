import { digitsOf, repeatedWord } from './repeated-text.js';

/**
 * One fact in the statistics ledger: what a single message said that the
 * statistics permit let through, keyed by the hub's pseudonymous subject keys
 * (never an identifier or a name), with its dates to the day.
 */
export type FactValue = string | number | boolean;

export interface LedgerFact {
  /** Position in the ledger: 1 for the first fact ever written, then one more for each. */
  readonly seq: number;
  /** HMAC subject keys of the message's identifiers (src/audit/subject-keys.ts). */
  readonly keys: readonly string[];
  readonly type: string;
  /** The day the event happened, from the record (YYYY-MM-DD). */
  readonly eventDate: string;
  /** The day the hub was told (YYYY-MM-DD): late notice shows as a lag. */
  readonly notifiedDate: string;
  /** The agency that sent the message. */
  readonly agency: string;
  /** Whether the subject was under 18 on the message date, as the policy engine judged it. */
  readonly child: boolean;
  /** Erased after this day (the permit's retainDays). */
  readonly retainUntil: string;
  /** The minimised fields, by field path; array elements collected under their `[]` path. */
  readonly fields: Readonly<Record<string, FactValue | readonly FactValue[]>>;
}

export type NewFact = Omit<LedgerFact, 'seq'>;

/**
 * A fact as one line of text: tab-separated members, fields as
 * `path=value;path=*v1|v2` (`*` marks a list). Every value is a code, a day,
 * a small number or a boolean (fact-values.ts), so none holds a separator.
 * Plain lines read back fast: a quarter is compiled over a million of them.
 */
export function encodeFact(seq: number, messageId: string, fact: NewFact): string {
  const fields = Object.entries(fact.fields)
    .map(([path, value]) => `${path}=${Array.isArray(value) ? `*${value.join('|')}` : String(value)}`)
    .join(';');
  return [seq, fact.type, fact.eventDate, fact.notifiedDate, fact.agency, fact.child ? '1' : '0', fact.retainUntil, messageId, fact.keys.join(','), fields].join('\t');
}

export function decodeFact(line: string): { fact: LedgerFact; messageId: string } {
  const fact = new DecodedFact(line);
  return { fact, messageId: fact.messageId };
}

/** A fact read back from its line, for a reader that does not need its message id alongside. */
export function decodeLedgerFact(line: string): LedgerFact {
  return new DecodedFact(line);
}

/**
 * A fact read back from its line. Its fields are parsed only when a measure
 * asks for them, one field at a time: most facts a compilation reads are
 * counted by type and day alone, and a million small objects is what makes a
 * compilation slow. Its type is the shared string of repeated-text.ts.
 */
class DecodedFact implements LedgerFact {
  readonly seq: number;
  readonly keys: readonly string[];
  readonly type: string;
  readonly eventDate: string;
  readonly notifiedDate: string;
  readonly child: boolean;
  private readonly line: string;
  /** Where the agency, the retention day and the message id start and end, and where the fields start (the line's length when it has none): read when asked for, as most facts are counted without them. */
  private readonly agencyFrom: number;
  private readonly agencyTo: number;
  private readonly retainFrom: number;
  private readonly retainTo: number;
  private readonly idFrom: number;
  private readonly idTo: number;
  private readonly fieldsFrom: number;
  private parsed: Record<string, FactValue | FactValue[]> | undefined;

  /** Cut at its tabs by position (no array of parts, no closure: a compilation reads a million lines). */
  constructor(line: string) {
    this.line = line;
    const end = line.length;
    const t0 = tabFrom(line, 0);
    const t1 = tabFrom(line, t0 + 1);
    const t2 = tabFrom(line, t1 + 1);
    const t3 = tabFrom(line, t2 + 1);
    const t4 = tabFrom(line, t3 + 1);
    const t5 = tabFrom(line, t4 + 1);
    const t6 = tabFrom(line, t5 + 1);
    const t7 = tabFrom(line, t6 + 1);
    const t8 = tabFrom(line, t7 + 1);
    const seq = digitsOf(line, 0, t0);
    this.seq = seq >= 0 ? seq : Number(line.slice(0, t0));
    this.type = repeatedWord(line, Math.min(t0 + 1, end), t1);
    this.eventDate = line.slice(t1 + 1, t2);
    this.notifiedDate = line.slice(t2 + 1, t3);
    this.agencyFrom = Math.min(t3 + 1, end);
    this.agencyTo = t4;
    this.child = line.charCodeAt(t4 + 1) === 49; // '1'
    this.retainFrom = Math.min(t5 + 1, end);
    this.retainTo = t6;
    this.idFrom = Math.min(t6 + 1, end);
    this.idTo = t7;
    const keys = line.slice(t7 + 1, t8);
    this.keys = keys === '' ? [] : keys.includes(',') ? keys.split(',') : [keys];
    this.fieldsFrom = Math.min(t8 + 1, end);
  }

  get agency(): string {
    return this.line.slice(this.agencyFrom, this.agencyTo);
  }

  get retainUntil(): string {
    return this.line.slice(this.retainFrom, this.retainTo);
  }

  get messageId(): string {
    return this.line.slice(this.idFrom, this.idTo);
  }

  get fields(): Record<string, FactValue | FactValue[]> {
    return (this.parsed ??= parseFields(this.line.slice(this.fieldsFrom)));
  }

  /** One field's value, read straight from the line (the same value `fields` holds for it). */
  field(path: string): FactValue | FactValue[] | undefined {
    if (this.parsed) return this.parsed[path];
    const { line, fieldsFrom } = this;
    for (let at = line.indexOf(path, fieldsFrom); at >= 0; at = line.indexOf(path, at + 1)) {
      const valueFrom = at + path.length;
      if (line.charCodeAt(valueFrom) !== 61 || (at !== fieldsFrom && line.charCodeAt(at - 1) !== 59)) continue; // '=', ';'
      const next = line.indexOf(';', valueFrom);
      return parseValue(line.slice(valueFrom + 1, next < 0 ? line.length : next));
    }
    return undefined;
  }

  toJSON(): LedgerFact {
    const { seq, keys, type, eventDate, notifiedDate, agency, child, retainUntil, fields } = this;
    return { seq, keys, type, eventDate, notifiedDate, agency, child, retainUntil, fields };
  }
}

/** The next tab at or after `from`, or the line's end. */
function tabFrom(line: string, from: number): number {
  const at = line.indexOf('\t', from);
  return at < 0 ? line.length : at;
}

function parseFields(encoded: string): Record<string, FactValue | FactValue[]> {
  const fields: Record<string, FactValue | FactValue[]> = {};
  if (encoded === '') return fields;
  for (const pair of encoded.split(';')) {
    const at = pair.indexOf('=');
    fields[pair.slice(0, at)] = parseValue(pair.slice(at + 1));
  }
  return fields;
}

function parseValue(value: string): FactValue | FactValue[] {
  return value.startsWith('*') ? value.slice(1).split('|').filter((item) => item !== '').map(decodeValue) : decodeValue(value);
}

function decodeValue(text: string): FactValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** A field of a fact, read from its line when the fact came from the ledger. */
function fieldValue(fact: LedgerFact, path: string): FactValue | readonly FactValue[] | undefined {
  return fact instanceof DecodedFact ? fact.field(path) : fact.fields[path];
}

/** The first value of a field (or undefined). */
export function fieldOf(fact: LedgerFact, path: string): FactValue | undefined {
  const value = fieldValue(fact, path);
  return Array.isArray(value) ? value[0] : (value as FactValue | undefined);
}

/** Every value of a field, as a list. */
export function fieldValues(fact: LedgerFact, path: string): readonly FactValue[] {
  const value = fieldValue(fact, path);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as FactValue];
}
