import type { ConditionSpec } from './rule-schema.js';
import type { CompiledRule, PartySet, PolicySet } from './policy-set.js';

/**
 * Checks beyond what loading enforces: rules that can never match, permits a
 * forbid always overrides, and catalog entries nothing uses. Errors are
 * defects in the protocol as written; warnings are worth a look.
 */

export interface LintFinding {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly ruleId?: string;
  readonly message: string;
}

type Scalar = string | number | boolean;

/** Why no message could ever satisfy the rule's conditions, or undefined. */
function contradiction(rule: CompiledRule, set: PolicySet): string | undefined {
  const byPath = new Map<string, ConditionSpec[]>();
  let ageMin = 0;
  let ageMax = Number.POSITIVE_INFINITY;
  for (const c of rule.conditionSpecs) {
    if (c.subjectAge) {
      ageMin = Math.max(ageMin, c.subjectAge.min ?? 0);
      ageMax = Math.min(ageMax, c.subjectAge.max ?? Number.POSITIVE_INFINITY);
      continue;
    }
    if (c.range && c.range.min !== undefined && c.range.max !== undefined && c.range.min > c.range.max) return `range on ${c.path} has min above max`;
    if (c.dateRange?.from && c.dateRange.to && Date.parse(c.dateRange.from) > Date.parse(c.dateRange.to)) return `dateRange on ${c.path} ends before it starts`;
    const list = byPath.get(c.path ?? '') ?? [];
    list.push(c);
    byPath.set(c.path ?? '', list);
  }
  if (ageMin > ageMax) return `subjectAge conditions leave no possible age (min ${ageMin}, max ${ageMax})`;
  for (const [path, conditions] of byPath) {
    // Conditions on one path that is not an array must agree on a single value.
    if (path.includes('[]')) continue;
    let allowed: Set<Scalar> | undefined;
    let mustExist = false;
    let mustNotExist = false;
    for (const c of conditions) {
      const values: Scalar[] | undefined = c.equals !== undefined ? [c.equals] : c.in;
      if (values) {
        mustExist = true;
        allowed = allowed ? new Set(values.filter((v) => allowed?.has(v))) : new Set(values);
      }
      if (c.exists === true || c.range || c.dateRange) mustExist = true;
      if (c.exists === false) mustNotExist = true;
    }
    if (allowed && allowed.size === 0) return `the conditions on ${path} allow no value`;
    if (mustExist && mustNotExist) return `${path} must both exist and not exist`;
  }
  if (rule.effect === 'permit' && ageMax < 18) {
    if (!rule.children) return 'it only matches subjects under 18 but is not marked `children: true`, so the children\'s annex always refuses it';
    const fit = [...(rule.purposes ?? [])].some((p) => set.catalog.purposes[p]?.children === true);
    if (!fit) return 'it only matches subjects under 18 but none of its purposes is fit for children in the catalog';
  }
  return undefined;
}

function coversParties(forbid: PartySet | null, permit: PartySet | null, set: PolicySet): boolean {
  if (forbid === null) return true;
  if (permit === null) return false;
  for (const role of permit.roles) if (!forbid.roles.has(role)) return false;
  for (const id of permit.agencies) {
    const role = set.registry.get(id)?.role;
    if (!forbid.agencies.has(id) && !(role !== undefined && forbid.roles.has(role))) return false;
  }
  return true;
}

function subset<T>(inner: Iterable<T> | null, outer: ReadonlySet<T> | readonly T[] | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  const has = (x: T) => (outer instanceof Set ? outer.has(x) : (outer as readonly T[]).includes(x));
  for (const x of inner) if (!has(x)) return false;
  return true;
}

/** A whole-message forbid that refuses every message the permit could allow. */
function shadows(forbid: CompiledRule, permit: CompiledRule, set: PolicySet): boolean {
  if (forbid.withhold !== null) return false;
  if (!subset(permit.messageTypes, forbid.messageTypes)) return false;
  if (!coversParties(forbid.from, permit.from, set) || !coversParties(forbid.to, permit.to, set)) return false;
  if (!subset(permit.purposes, forbid.purposes)) return false;
  if (!subset(permit.subjectCategories, forbid.subjectCategories)) return false;
  // The forbid's conditions must all be among the permit's own (then they hold whenever the permit's do).
  const own = new Set(permit.conditionSpecs.map((c) => JSON.stringify(c)));
  return forbid.conditionSpecs.every((c) => own.has(JSON.stringify(c)));
}

export function lintPolicySet(set: PolicySet): LintFinding[] {
  const findings: LintFinding[] = [];
  const at = (rule: CompiledRule, severity: LintFinding['severity'], message: string) =>
    findings.push({ severity, file: rule.file, line: rule.line, ruleId: rule.id, message: `rule \`${rule.id}\`: ${message}` });
  const forbids = set.rules.filter((r) => r.effect === 'forbid');
  for (const rule of set.rules) {
    const why = contradiction(rule, set);
    if (why) at(rule, 'error', `no message could match: ${why}`);
    if (rule.effect !== 'permit') continue;
    for (const forbid of forbids) {
      if (shadows(forbid, rule, set)) at(rule, 'warning', `every message it permits is refused by forbid \`${forbid.id}\` (${forbid.file}:${forbid.line})`);
    }
    if (rule.children && ![...(rule.purposes ?? [])].some((p) => set.catalog.purposes[p]?.children === true)) {
      at(rule, 'warning', '`children: true` has no effect: none of its purposes is fit for children in the catalog');
    }
    const generalised = rule.obligations?.disclose.filter((d) => d.generalise === 'year' && !/date|On$|At$/i.test(d.path.split('.').at(-1) ?? '')) ?? [];
    for (const entry of generalised) at(rule, 'warning', `generalising \`${entry.path}\` to a year: it does not look like a date, so it will be withheld`);
  }

  // Catalog entries no rule uses: a sign of a stale catalog or a missing rule.
  const catalogFile = set.files.find((f) => f.endsWith('catalog.yaml')) ?? 'catalog.yaml';
  const used = {
    purposes: new Set(set.rules.flatMap((r) => [...(r.purposes ?? [])])),
    legalBases: new Set(set.rules.flatMap((r) => r.legalBases)),
    dataCategories: new Set(set.rules.flatMap((r) => r.dataCategories)),
    subjectCategories: new Set(set.rules.flatMap((r) => [...(r.subjectCategories ?? [])])),
    markings: new Set(set.rules.flatMap((r) => (r.obligations ? [r.obligations.marking] : []))),
  };
  for (const section of ['purposes', 'legalBases', 'dataCategories', 'subjectCategories', 'markings'] as const) {
    for (const code of Object.keys(set.catalog[section])) {
      if (!used[section].has(code)) findings.push({ severity: 'warning', file: catalogFile, line: set.catalogLineOf([section, code]), message: `${section}.${code} is in the catalog but no rule uses it` });
    }
  }
  return findings;
}
