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

/**
 * A fact read back from its line. Its fields are parsed only when a measure
 * asks for them: most facts a compilation reads are counted by type and day
 * alone, and a million small objects is what makes a compilation slow.
 */
class DecodedFact implements LedgerFact {
  readonly seq: number;
  readonly keys: readonly string[];
  readonly type: string;
  readonly eventDate: string;
  readonly notifiedDate: string;
  readonly agency: string;
  readonly child: boolean;
  readonly retainUntil: string;
  readonly messageId: string;
  private readonly encoded: string;
  private parsed: Record<string, FactValue | FactValue[]> | undefined;

  /** Cut at its tabs by position (no array of parts, no closure: a compilation reads a million lines). */
  constructor(line: string) {
    const cuts: number[] = [];
    for (let at = line.indexOf('\t'); at >= 0 && cuts.length < 9; at = line.indexOf('\t', at + 1)) cuts.push(at);
    while (cuts.length < 9) cuts.push(line.length);
    this.seq = Number(line.slice(0, cuts[0]));
    this.type = line.slice(cuts[0]! + 1, cuts[1]);
    this.eventDate = line.slice(cuts[1]! + 1, cuts[2]);
    this.notifiedDate = line.slice(cuts[2]! + 1, cuts[3]);
    this.agency = line.slice(cuts[3]! + 1, cuts[4]);
    this.child = line.charCodeAt(cuts[4]! + 1) === 49; // '1'
    this.retainUntil = line.slice(cuts[5]! + 1, cuts[6]);
    this.messageId = line.slice(cuts[6]! + 1, cuts[7]);
    const keys = line.slice(cuts[7]! + 1, cuts[8]);
    this.keys = keys === '' ? [] : keys.includes(',') ? keys.split(',') : [keys];
    this.encoded = cuts[8]! < line.length ? line.slice(cuts[8]! + 1) : '';
  }

  get fields(): Record<string, FactValue | FactValue[]> {
    return (this.parsed ??= parseFields(this.encoded));
  }

  toJSON(): LedgerFact {
    const { seq, keys, type, eventDate, notifiedDate, agency, child, retainUntil, fields } = this;
    return { seq, keys, type, eventDate, notifiedDate, agency, child, retainUntil, fields };
  }
}

function parseFields(encoded: string): Record<string, FactValue | FactValue[]> {
  const fields: Record<string, FactValue | FactValue[]> = {};
  if (encoded === '') return fields;
  for (const pair of encoded.split(';')) {
    const at = pair.indexOf('=');
    const value = pair.slice(at + 1);
    fields[pair.slice(0, at)] = value.startsWith('*') ? value.slice(1).split('|').filter((item) => item !== '').map(decodeValue) : decodeValue(value);
  }
  return fields;
}

function decodeValue(text: string): FactValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** The first value of a field (or undefined). */
export function fieldOf(fact: LedgerFact, path: string): FactValue | undefined {
  const value = fact.fields[path];
  return Array.isArray(value) ? value[0] : (value as FactValue | undefined);
}

/** Every value of a field, as a list. */
export function fieldValues(fact: LedgerFact, path: string): readonly FactValue[] {
  const value = fact.fields[path];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as FactValue];
}
