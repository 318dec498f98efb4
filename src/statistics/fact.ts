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

/** A fact as Redis stream fields (flat strings: no JSON parse per fact except its few fields). */
export function encodeFact(fact: NewFact): string[] {
  return ['k', fact.keys.join(','), 't', fact.type, 'd', fact.eventDate, 'n', fact.notifiedDate, 'a', fact.agency, 'c', fact.child ? '1' : '0', 'r', fact.retainUntil, 'f', JSON.stringify(fact.fields)];
}

export function decodeFact(seq: number, flat: readonly string[]): LedgerFact {
  const get = (name: string) => {
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return flat[i + 1] ?? '';
    return '';
  };
  return {
    seq,
    keys: get('k').split(',').filter((key) => key !== ''),
    type: get('t'),
    eventDate: get('d'),
    notifiedDate: get('n'),
    agency: get('a'),
    child: get('c') === '1',
    retainUntil: get('r'),
    fields: JSON.parse(get('f') || '{}') as LedgerFact['fields'],
  };
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
