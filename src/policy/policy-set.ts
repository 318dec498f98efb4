import type { Registry } from '../registry/index.js';
import type { Catalog } from './catalog-schema.js';
import type { Matcher } from './conditions.js';
import type { MessageSchemas } from './message-schemas.js';
import type { RuleIndex } from './rule-index.js';
import type { ConditionSpec, Generalisation } from './rule-schema.js';

export interface DiscloseEntry {
  readonly path: string;
  readonly generalise?: Generalisation;
}

export interface Obligations {
  /** The allow-list: only these paths (and what is under them) leave the hub. */
  readonly disclose: readonly DiscloseEntry[];
  /** Paths a forbid rule withholds even where an allow-list entry covers them (e.g. `body` allowed, `body.needs.health` withheld). */
  readonly withhold?: readonly string[];
  readonly marking: string;
  /** How long the recipient may keep the record. */
  readonly retainDays: number;
  /** Agency ids (roles resolved against the registry) to be told of the disclosure. */
  readonly notify: readonly string[];
}

/** Senders or recipients a rule names; `null` in a CompiledRule means anyone. */
export interface PartySet {
  readonly roles: ReadonlySet<string>;
  readonly agencies: ReadonlySet<string>;
}

export interface CompiledRule {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  readonly description: string;
  readonly clause: string;
  readonly file: string;
  readonly line: number;
  /** Position in the set (files sorted, then file order). */
  readonly order: number;
  readonly messageTypes: readonly string[] | null;
  readonly from: PartySet | null;
  readonly to: PartySet | null;
  readonly purposes: ReadonlySet<string> | null;
  readonly legalBases: readonly string[];
  readonly dataCategories: readonly string[];
  readonly subjectCategories: ReadonlySet<string> | null;
  readonly conditionSpecs: readonly ConditionSpec[];
  readonly conditions: readonly Matcher[];
  /** Permits only. Notify holds roles and ids as written; decide() resolves them. */
  readonly obligations: (Omit<Obligations, 'notify'> & { readonly notify: readonly string[] }) | null;
  /** Forbids only: withhold these fields instead of refusing the whole message. */
  readonly withhold: readonly string[] | null;
  readonly children: boolean;
}

export interface PolicySet {
  /** sha256 hex over the set's files (sorted by name, each name and its bytes). */
  readonly version: string;
  readonly dir: string;
  readonly files: readonly string[];
  readonly catalog: Catalog;
  readonly registry: Registry;
  readonly messages: MessageSchemas;
  readonly rules: readonly CompiledRule[];
  readonly index: RuleIndex;
  /** The line in catalog.yaml of an entry, e.g. ['purposes', 'prosecution'], for lint messages. */
  catalogLineOf(path: readonly string[]): number;
  /** Whether a message type's schema has `path` (a leaf or a branch above leaves). */
  pathExists(type: string, path: string): boolean;
}
