import type { Party } from '../registry/index.js';
import type { CompiledRule, PolicySet } from './policy-set.js';

/**
 * Sentences for a DPO. They are built only from catalog titles, agency names,
 * rule ids and message type names, never from the record, because decisions
 * are written to the audit log and shown to other agencies.
 */

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function agencyName(set: PolicySet, party: Party): string {
  return set.registry.get(party.id)?.name ?? `${party.id} (${party.role})`;
}

export function purposeTitle(set: PolicySet, code: string): string {
  return set.catalog.purposes[code]?.title ?? `the unknown purpose ${code}`;
}

export function legalBasisTitles(set: PolicySet, codes: readonly string[]): string {
  return list(codes.map((code) => set.catalog.legalBases[code]?.title ?? code));
}

function typeName(type: string): string {
  return `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type.replaceAll('-', ' ')}`;
}

function ruleRefs(rules: readonly CompiledRule[]): string {
  return list(rules.map((r) => `${r.id} (ISP clause ${r.clause})`));
}

export function explainPermit(
  set: PolicySet,
  args: { type: string; purpose: string; sender: Party; recipient: Party; permits: readonly CompiledRule[]; forbids: readonly CompiledRule[]; legalBases: readonly string[]; isChild: boolean },
): string {
  const child = args.isChild ? ' about a child, under the children\'s annex,' : '';
  const withheld = args.forbids.length > 0 ? `; fields are withheld under ${ruleRefs(args.forbids)}` : '';
  return `Permitted: ${agencyName(set, args.sender)} may share ${typeName(args.type)}${child} with ${agencyName(set, args.recipient)} for ${purposeTitle(set, args.purpose)}, under ${legalBasisTitles(set, args.legalBases)}, by rule ${ruleRefs(args.permits)}${withheld}.`;
}

export function explainForbid(set: PolicySet, args: { type: string; sender: Party; recipient: Party; forbids: readonly CompiledRule[] }): string {
  const first = args.forbids[0];
  const why = first ? ` ${first.description.replace(/\.\s*$/, '')}.` : '';
  return `Refused: rule ${ruleRefs(args.forbids)} forbids sharing ${typeName(args.type)} from ${agencyName(set, args.sender)} with ${agencyName(set, args.recipient)}.${why}`;
}

export function explainDefaultDeny(
  set: PolicySet,
  args: { type: string; purpose: string; sender: Party; recipient: Party; isChild: boolean; childBlocked: boolean; unknownPurpose: boolean },
): string {
  const head = `Refused: no rule permits ${agencyName(set, args.sender)} to share ${typeName(args.type)} with ${agencyName(set, args.recipient)}`;
  if (args.unknownPurpose) return `${head} for a purpose the catalog does not define; the hub refuses by default.`;
  if (args.childBlocked) {
    const fit = set.catalog.purposes[args.purpose]?.children === true;
    const reason = fit ? 'no rule covering children permits it' : `${purposeTitle(set, args.purpose)} is not a purpose for which the protocol shares records about children`;
    return `${head} for ${purposeTitle(set, args.purpose)} about a subject under 18: ${reason} (children's annex); the hub refuses by default.`;
  }
  return `${head} for ${purposeTitle(set, args.purpose)}; the hub refuses by default.`;
}
