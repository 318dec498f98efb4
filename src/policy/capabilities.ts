import type { Party } from '../registry/index.js';
import type { CompiledRule, PartySet, PolicySet } from './policy-set.js';
import type { ConditionSpec } from './rule-schema.js';

/**
 * What one agency may send under the policy set in force, read from its
 * rules: for each message type, the purposes and recipients some permit rule
 * names for this sender, with each rule's own conditions and obligations, and
 * the forbid rules that can refuse or trim what it sends. Only rules whose
 * `from` takes in this agency appear, so an agency learns nothing of what the
 * others may share among themselves.
 *
 * A listed permit is necessary, not sufficient: the hub still decides each
 * message on its subject (age, category) and body conditions, and a forbid
 * rule wins over a permit.
 */
export interface Capabilities {
  agency: string;
  role: string;
  policyVersion: string;
  messageTypes: MessageTypeCapability[];
  forbids: ForbidSummary[];
}

export interface MessageTypeCapability {
  type: string;
  /** Every purpose some permit rule allows for this type from this agency. */
  purposes: Array<{ code: string; title: string }>;
  /** Every agency some permit rule lets this type reach from this agency. */
  recipients: string[];
  rules: PermitSummary[];
}

export interface PermitSummary {
  id: string;
  description: string;
  clause: string;
  purposes: string[];
  recipients: string[];
  legalBases: string[];
  /** null: any subject category. */
  subjectCategories: string[] | null;
  conditions: readonly ConditionSpec[];
  /** Whether the rule may share a child's record (the children's annex). */
  children: boolean;
  disclose: string[];
  marking: string;
  retainDays: number;
}

export interface ForbidSummary {
  id: string;
  description: string;
  /** null: every type. */
  messageTypes: string[] | null;
  purposes: string[] | null;
  recipients: string[];
  conditions: readonly ConditionSpec[];
  /** The fields it withholds; null: it refuses the whole message. */
  withhold: string[] | null;
}

export function capabilitiesOf(set: PolicySet, sender: Party): Capabilities {
  // A rule that reaches no agency but the sender itself concerns nothing it can send.
  const own = set.rules.filter((rule) => takesIn(rule.from, sender) && recipientsOf(set, rule.to, sender).length > 0);
  const byType = new Map<string, CompiledRule[]>();
  for (const rule of own.filter((candidate) => candidate.effect === 'permit')) {
    for (const type of rule.messageTypes ?? set.messages.types) {
      byType.set(type, [...(byType.get(type) ?? []), rule]);
    }
  }
  const messageTypes = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, rules]) => {
      const permits = rules.map((rule) => permitSummary(set, rule, sender));
      return {
        type,
        purposes: sortedUnique(permits.flatMap((rule) => rule.purposes)).map((code) => ({ code, title: set.catalog.purposes[code]?.title ?? code })),
        recipients: sortedUnique(permits.flatMap((rule) => rule.recipients)),
        rules: permits,
      };
    });
  const forbids = own.filter((rule) => rule.effect === 'forbid').map((rule) => forbidSummary(set, rule, sender));
  return { agency: sender.id, role: sender.role, policyVersion: set.version, messageTypes, forbids };
}

function permitSummary(set: PolicySet, rule: CompiledRule, sender: Party): PermitSummary {
  const obligations = rule.obligations;
  return {
    id: rule.id,
    description: rule.description,
    clause: rule.clause,
    purposes: purposesOf(set, rule),
    recipients: recipientsOf(set, rule.to, sender),
    legalBases: [...rule.legalBases],
    subjectCategories: rule.subjectCategories ? [...rule.subjectCategories].sort() : null,
    conditions: rule.conditionSpecs,
    children: rule.children,
    disclose: (obligations?.disclose ?? []).map((entry) => (entry.generalise ? `${entry.path} (generalised: ${entry.generalise})` : entry.path)),
    marking: obligations?.marking ?? 'OFFICIAL',
    retainDays: obligations?.retainDays ?? 0,
  };
}

function forbidSummary(set: PolicySet, rule: CompiledRule, sender: Party): ForbidSummary {
  return {
    id: rule.id,
    description: rule.description,
    messageTypes: rule.messageTypes ? [...rule.messageTypes] : null,
    purposes: rule.purposes ? [...rule.purposes].sort() : null,
    recipients: recipientsOf(set, rule.to, sender),
    conditions: rule.conditionSpecs,
    withhold: rule.withhold ? [...rule.withhold] : null,
  };
}

function takesIn(parties: PartySet | null, party: Party): boolean {
  return parties === null || parties.roles.has(party.role) || parties.agencies.has(party.id);
}

function purposesOf(set: PolicySet, rule: CompiledRule): string[] {
  return rule.purposes ? [...rule.purposes].sort() : Object.keys(set.catalog.purposes).sort();
}

/** The partner agencies a rule's `to` names, never the sender itself (the hub does not route to the sender). */
function recipientsOf(set: PolicySet, to: PartySet | null, sender: Party): string[] {
  return set.registry.agencies.filter((agency) => agency.id !== sender.id && takesIn(to, agency)).map((agency) => agency.id);
}

function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort();
}
