import { fieldOf, fieldValues, hasOwnEventDate, type LedgerFact } from '../statistics/index.js';
import { sharedText } from '../statistics/repeated-text.js';
import { dayNumber } from './days.js';
import { mergePerson, newPerson, sortPerson, type Person, type Strand } from './person.js';

/**
 * Builds the people of one compilation from the ledger, fact by fact, so the
 * ledger is read once and in chunks. Subject keys that appear on one fact
 * belong to one person (a message naming both a PNC and a CRN links them).
 * Events far outside the period are dropped as they are read, so memory
 * follows the window, not the ledger; status changes and custody are kept
 * whole because the cohort at any date depends on all of them.
 */
export interface Window {
  from: number;
  to: number;
}

export interface Timeliness {
  /** Notification lag in days of each fact dated in the period, by message type and by sending agency. */
  lagByType: Map<string, number[]>;
  lagByAgency: Map<string, number[]>;
  factsByType: Map<string, number>;
}

/** A subject key in the union-find: its parent key, and the person while it is a root. */
interface KeyNode {
  key: string;
  parent: KeyNode;
  person: Person;
  /** The next key with the same leading hex digits (byPrefix). */
  samePrefix: KeyNode | undefined;
}

export class PersonIndex {
  /** Subject keys by their leading hex digits (hexPrefix): a Map keyed by small integers finds a key far faster than one keyed by 64-character strings, each a new string off its line. */
  private readonly byPrefix = new Map<number, KeyNode>();
  /** Keys that are not HMAC hex (tests' own keys, say). */
  private readonly byKey = new Map<string, KeyNode>();
  private readonly nodes: KeyNode[] = [];
  private nextId = 0;
  readonly timeliness: Timeliness = { lagByType: new Map(), lagByAgency: new Map(), factsByType: new Map() };

  constructor(
    private readonly window: Window,
    private readonly period: Window,
  ) {}

  add(fact: LedgerFact): void {
    if (fact.keys.length === 0) return;
    const person = this.personFor(fact.keys);
    const day = dayNumber(fact.eventDate);
    const inWindow = day >= this.window.from && day <= this.window.to;
    this.recordTimeliness(fact, day);
    const age = dayNumber(fact.notifiedDate) * 2 + (fact.child ? 1 : 0);
    // Only the period's facts and the latest before it say whether someone was a child in it.
    if (age < this.period.from * 2) {
      if (person.ageBefore === undefined || age > person.ageBefore) person.ageBefore = age;
    } else if (age <= this.period.to * 2 + 1) person.ages.push(age);
    switch (fact.type) {
      case 'ppo-status-change': {
        const status = fieldOf(fact, 'body.status');
        if (status === 'nominated' || status === 'selected' || status === 'deselected') {
          person.status.push({ day, seq: fact.seq, status, strand: fieldOf(fact, 'body.strand') as Strand | undefined });
        }
        return;
      }
      case 'arrest-notification':
        if (inWindow) person.arrests.push(day);
        return;
      case 'charge-notification':
        if (person.firstCharge === undefined || day < person.firstCharge) person.firstCharge = day;
        if (inWindow) person.charges.push(day);
        if (fieldOf(fact, 'body.decision.outcome') === 'remanded-in-custody') person.custodyStarts.push(day);
        return;
      case 'court-outcome': {
        const verdicts = fieldValues(fact, 'body.outcomes[].verdict');
        const sentence = fieldOf(fact, 'body.sentence.type');
        const custodial = sentence === 'immediate-custody' || sentence === 'detention-and-training-order';
        if (custodial || fieldOf(fact, 'body.remand') === 'custody') person.custodyStarts.push(day);
        if (inWindow) {
          person.court.push({
            day,
            convictions: verdicts.filter((verdict) => verdict === 'convicted').length,
            final: verdicts.some((verdict) => verdict === 'convicted' || verdict === 'acquitted' || verdict === 'withdrawn'),
            sentenced: sentence !== undefined,
            custodial,
          });
        }
        return;
      }
      case 'custody-release':
        person.releases.push(day);
        return;
      case 'needs-referral':
        if (inWindow) person.referrals.push({ day, need: String(fieldOf(fact, 'body.need') ?? 'unknown') });
        return;
      case 'risk-flag-update':
        if (inWindow) person.flagUpdates.push(day);
        return;
      case 'risk-flag-query':
        if (inWindow) person.queries.push({ day, agency: fact.agency });
        return;
    }
  }

  /** Every person, each timeline sorted. */
  people(): Person[] {
    const seen = new Set<Person>();
    for (const node of this.nodes) seen.add(this.find(node).person);
    const people = [...seen].sort((a, b) => a.id - b.id);
    people.forEach(sortPerson);
    return people;
  }

  private recordTimeliness(fact: LedgerFact, day: number): void {
    if (day < this.period.from || day > this.period.to) return;
    const { factsByType, lagByType, lagByAgency } = this.timeliness;
    factsByType.set(fact.type, (factsByType.get(fact.type) ?? 0) + 1);
    // Only types with a date of their own have a lag: the rest are dated by their notification.
    if (!hasOwnEventDate(fact.type)) return;
    const lag = Math.max(0, dayNumber(fact.notifiedDate) - day);
    push(lagByType, fact.type, lag);
    push(lagByAgency, fact.agency, lag);
  }

  private personFor(keys: readonly string[]): Person {
    let root = this.find(this.nodeOf(keys[0]!));
    for (let at = 1; at < keys.length; at += 1) root = this.union(root, this.find(this.nodeOf(keys[at]!)));
    return root.person;
  }

  private nodeOf(key: string): KeyNode {
    const prefix = hexPrefix(key);
    if (prefix < 0) return this.byKey.get(key) ?? this.newNode(key, (node) => this.byKey.set(key, node));
    const first = this.byPrefix.get(prefix);
    for (let node = first; node; node = node.samePrefix) if (node.key === key) return node;
    return this.newNode(key, (node) => {
      node.samePrefix = first;
      this.byPrefix.set(prefix, node);
    });
  }

  private newNode(key: string, file: (node: KeyNode) => void): KeyNode {
    // The key's own copy: the one read is a view of a whole chunk of the ledger, which it would keep in memory.
    const node: KeyNode = { key: sharedText(key), parent: undefined as unknown as KeyNode, person: newPerson(this.nextId++), samePrefix: undefined };
    node.parent = node;
    file(node);
    this.nodes.push(node);
    return node;
  }

  private find(node: KeyNode): KeyNode {
    let root = node;
    while (root.parent !== root) root = root.parent;
    // Path compression: every node on the way now points at the root.
    while (node.parent !== root) {
      const next = node.parent;
      node.parent = root;
      node = next;
    }
    return root;
  }

  private union(a: KeyNode, b: KeyNode): KeyNode {
    if (a === b) return a;
    const [keep, drop] = a.person.id <= b.person.id ? [a, b] : [b, a];
    mergePerson(keep.person, drop.person);
    drop.parent = keep;
    return keep;
  }
}

/** The first seven hex digits of a lowercase hex key as a number, or -1 for a key that does not start so. */
function hexPrefix(key: string): number {
  if (key.length < 7) return -1;
  let value = 0;
  for (let at = 0; at < 7; at += 1) {
    const code = key.charCodeAt(at);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
