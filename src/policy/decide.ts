import type { Party } from '../registry/index.js';
import { ageOf, type MatchContext } from './conditions.js';
import type { Decision } from './decision.js';
import { explainDefaultDeny, explainForbid, explainPermit } from './explain.js';
import type { PolicyMessage } from './message-schemas.js';
import type { CompiledRule, DiscloseEntry, Obligations, PolicySet } from './policy-set.js';
import { plainPath } from './field-paths.js';

export interface DecideOptions {
  /** The message date: the subject's age and date conditions are judged on it. */
  readonly now: Date;
  /**
   * Another source (the flag register) knows the subject to be a child,
   * whatever date of birth the record gives: the children's rules apply.
   */
  readonly knownChild?: boolean;
}

function partyMatches(parties: CompiledRule['from'], party: Party): boolean {
  return parties === null || parties.roles.has(party.role) || parties.agencies.has(party.id);
}

function ruleApplies(rule: CompiledRule, message: PolicyMessage, sender: Party, recipient: Party, context: MatchContext): boolean {
  // The index already narrowed by type and parties; these checks keep decide()
  // correct on its own and cost a few Set lookups.
  if (rule.messageTypes !== null && !rule.messageTypes.includes(message.type)) return false;
  if (!partyMatches(rule.from, sender) || !partyMatches(rule.to, recipient)) return false;
  if (rule.purposes !== null && !rule.purposes.has(message.purpose)) return false;
  if (rule.subjectCategories !== null) {
    const category = message.subject?.category;
    if (typeof category !== 'string' || !rule.subjectCategories.has(category)) return false;
  }
  for (const condition of rule.conditions) if (!condition(message, context)) return false;
  return true;
}

function unique(items: Iterable<string>): string[] {
  return [...new Set(items)];
}

/** `path` is `prefix` or lies under it, comparing without array marks. */
function under(path: string, prefix: string): boolean {
  const p = plainPath(path);
  const q = plainPath(prefix);
  return p === q || p.startsWith(`${q}.`);
}

/**
 * Several permits: each independently authorises its disclosure, so the
 * allow-list is their union (a plain entry beats a generalised one for the
 * same path); the strictest marking and the shortest retention apply; all
 * notifications are made.
 */
function combine(set: PolicySet, permits: readonly CompiledRule[], recipient: Party): Obligations {
  const byPath = new Map<string, DiscloseEntry>();
  let marking: string | undefined;
  let retainDays = Number.POSITIVE_INFINITY;
  const notify: string[] = [];
  for (const rule of permits) {
    const o = rule.obligations;
    if (!o) continue;
    for (const entry of o.disclose) {
      const existing = byPath.get(entry.path);
      if (!existing || (existing.generalise && !entry.generalise)) byPath.set(entry.path, entry);
    }
    const level = set.catalog.markings[o.marking]?.level ?? 0;
    if (marking === undefined || level > (set.catalog.markings[marking]?.level ?? 0)) marking = o.marking;
    retainDays = Math.min(retainDays, o.retainDays);
    for (const name of o.notify) {
      const agency = set.registry.get(name);
      if (agency) notify.push(agency.id);
      else for (const a of set.registry.byRole(name)) notify.push(a.id);
    }
  }
  return {
    disclose: [...byPath.values()],
    marking: marking ?? 'OFFICIAL',
    retainDays: Number.isFinite(retainDays) ? retainDays : 0,
    notify: unique(notify).filter((id) => id !== recipient.id),
  };
}

/**
 * The outcome depends only on which rules matched (and on the type, purpose,
 * parties and child flag), not on the record's values, so it is computed once
 * per combination and reused: obligations, explanation and all. The cache is
 * per policy set and bounded.
 */
const outcomeCaches = new WeakMap<PolicySet, Map<string, Decision>>();
const OUTCOME_CACHE_LIMIT = 20_000;

function cached(set: PolicySet, key: string, build: () => Decision): Decision {
  let cache = outcomeCaches.get(set);
  if (!cache) outcomeCaches.set(set, (cache = new Map()));
  let decision = cache.get(key);
  if (decision === undefined) {
    decision = deepFreeze(build());
    if (cache.size >= OUTCOME_CACHE_LIMIT) cache.clear();
    cache.set(key, decision);
  }
  return decision;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function ids(rules: readonly CompiledRule[]): string {
  let out = '';
  for (const rule of rules) out += `${rule.order},`;
  return out;
}

/**
 * Whether `sender` may send `message` to `recipient`, and on what terms.
 *
 * Default deny. A forbid that matches refuses, whatever permits say (a forbid
 * with `withhold` only takes fields off the allow-list). A subject under 18 on
 * `now` is shared only under rules marked `children: true` AND for a purpose
 * the catalog marks fit for children (the children's annex; Children Act 2004
 * s.10-11).
 */
export function decide(set: PolicySet, message: PolicyMessage, sender: Party, recipient: Party, options: DecideOptions): Decision {
  const { now } = options;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('decide: options.now must be a valid Date');
  let age: number | undefined | null = null;
  const context: MatchContext = {
    now,
    subjectAge: () => (age === null ? (age = ageOf(message, now)) : age),
  };
  const subjectAge = context.subjectAge();
  // No usable date of birth: the record is not treated as a child's here, but
  // the message schemas require one, so this only arises for hand-built records.
  const isChild = (subjectAge !== undefined && subjectAge < 18) || options.knownChild === true;
  const base = { purpose: message.purpose, isChild, policyVersion: set.version, sender: sender.id, recipient: recipient.id };

  const candidates = set.index.candidates(message.type, message.purpose, sender, recipient);
  const permits: CompiledRule[] = [];
  const refusing: CompiledRule[] = [];
  const withholding: CompiledRule[] = [];
  let childBlocked = false;
  const purposeKnown = Object.hasOwn(set.catalog.purposes, message.purpose);
  for (const rule of candidates) {
    if (!ruleApplies(rule, message, sender, recipient, context)) continue;
    if (rule.effect === 'forbid') {
      if (rule.withhold === null) refusing.push(rule);
      else withholding.push(rule);
      continue;
    }
    if (!purposeKnown) continue;
    if (isChild && !(rule.children && set.catalog.purposes[message.purpose]?.children === true)) {
      childBlocked = true;
      continue;
    }
    permits.push(rule);
  }

  const key = `${message.type}\u0000${message.purpose}\u0000${sender.id}\u0000${sender.role}\u0000${recipient.id}\u0000${recipient.role}\u0000${isChild}\u0000${childBlocked}\u0000${ids(refusing)}|${ids(permits)}|${ids(withholding)}`;
  return cached(set, key, () => outcome(set, message, sender, recipient, base, { refusing, permits, withholding, childBlocked, purposeKnown }));
}

interface Matched {
  readonly refusing: readonly CompiledRule[];
  readonly permits: readonly CompiledRule[];
  readonly withholding: readonly CompiledRule[];
  readonly childBlocked: boolean;
  readonly purposeKnown: boolean;
}

function outcome(
  set: PolicySet,
  message: PolicyMessage,
  sender: Party,
  recipient: Party,
  base: { purpose: string; isChild: boolean; policyVersion: string; sender: string; recipient: string },
  { refusing, permits, withholding, childBlocked, purposeKnown }: Matched,
): Decision {
  const { isChild } = base;
  if (refusing.length > 0) {
    return {
      ...base,
      effect: 'deny',
      ruleIds: refusing.map((r) => r.id),
      legalBases: unique(refusing.flatMap((r) => r.legalBases)),
      obligations: null,
      explanation: explainForbid(set, { type: message.type, sender, recipient, forbids: refusing }),
    };
  }
  if (permits.length === 0) {
    return {
      ...base,
      effect: 'deny',
      ruleIds: [],
      legalBases: [],
      obligations: null,
      explanation: explainDefaultDeny(set, { type: message.type, purpose: message.purpose, sender, recipient, isChild, childBlocked, unknownPurpose: !purposeKnown }),
    };
  }

  let obligations = combine(set, permits, recipient);
  let withheldFields: string[] | undefined;
  // Only the forbids that withhold something the allow-list covers are
  // reported: a withheld path under an allowed one, or an allowed path under a withheld one.
  const overlaps = (a: string, b: string) => under(a, b) || under(b, a);
  const relevant = (w: string) => set.pathExists(message.type, w) && obligations.disclose.some((e) => overlaps(e.path, w));
  const effective = withholding.filter((r) => (r.withhold ?? []).some(relevant));
  if (effective.length > 0) {
    const withhold = unique(effective.flatMap((r) => r.withhold ?? []).filter(relevant));
    // Entries wholly inside a withheld path go; an entry above a withheld path
    // is expanded into the schema's leaves minus the withheld ones, so the
    // allow-list alone is safe even for a caller that ignores `withhold`.
    const leaves = set.messages.fieldPathsOf(message.type);
    const kept: DiscloseEntry[] = [];
    for (const entry of obligations.disclose) {
      if (withhold.some((w) => under(entry.path, w))) continue;
      if (!withhold.some((w) => under(w, entry.path))) {
        kept.push(entry);
        continue;
      }
      for (const leaf of leaves) {
        if (under(leaf, entry.path) && !withhold.some((w) => under(leaf, w))) kept.push(entry.generalise ? { path: leaf, generalise: entry.generalise } : { path: leaf });
      }
    }
    withheldFields = withhold;
    obligations = { ...obligations, disclose: kept, withhold };
  }
  const legalBases = unique(permits.flatMap((r) => r.legalBases));
  return {
    ...base,
    effect: 'permit',
    ruleIds: [...permits, ...effective].map((r) => r.id),
    legalBases,
    obligations,
    explanation: explainPermit(set, { type: message.type, purpose: message.purpose, sender, recipient, permits, forbids: effective, legalBases, isChild }),
    ...(withheldFields !== undefined ? { withheldFields } : {}),
  };
}

/**
 * For a message with no named recipient: every agency (other than the
 * sender) that some permit lets it go to, with the decision for each.
 */
export function recipientsFor(
  set: PolicySet,
  message: PolicyMessage,
  sender: Party,
  options: DecideOptions,
): Array<{ agency: (typeof set.registry.agencies)[number]; decision: Decision }> {
  const out: Array<{ agency: (typeof set.registry.agencies)[number]; decision: Decision }> = [];
  for (const agency of set.registry.agencies) {
    if (agency.id === sender.id) continue;
    const decision = decide(set, message, sender, agency, options);
    if (decision.effect === 'permit') out.push({ agency, decision });
  }
  return out;
}
