import { createHash } from 'node:crypto';
import type { Registry, SourceProblem, YamlSource } from '../registry/index.js';
import type { Catalog } from './catalog-schema.js';
import { compileCondition } from './conditions.js';
import { pathInSchema, schemaPathIndex } from './field-paths.js';
import type { MessageSchemas } from './message-schemas.js';
import type { CompiledRule, DiscloseEntry, PartySet, PolicySet } from './policy-set.js';
import { buildRuleIndex } from './rule-index.js';
import { STATISTICS_LEDGER } from './statistics-recipient.js';
import type { RuleSpec } from './rule-schema.js';

export interface RuleFileInput {
  readonly source: YamlSource;
  readonly rules: readonly RuleSpec[];
}

export interface PolicySetInput {
  readonly dir: string;
  readonly catalog: Catalog;
  readonly catalogSource: YamlSource;
  readonly registry: Registry;
  readonly registrySource: YamlSource;
  readonly ruleFiles: readonly RuleFileInput[];
  readonly messages: MessageSchemas;
  /** File names relative to `dir`, keyed by absolute path, for the version hash. */
  readonly relativeName: (file: string) => string;
}

/** sha256 hex over each file's relative name and bytes, in name order. */
export function policyVersion(files: ReadonlyArray<{ name: string; text: string }>): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(file.name, 'utf8').update('\u0000').update(file.text, 'utf8').update('\u0000');
  }
  return hash.digest('hex');
}

function partySet(spec: { roles?: string[] | undefined; agencies?: string[] | undefined } | undefined): PartySet | null {
  if (!spec) return null;
  return { roles: new Set(spec.roles ?? []), agencies: new Set(spec.agencies ?? []) };
}

/**
 * Cross-checks the parsed files against each other (every code in the
 * catalog, every party in the registry, every field path in the schema of
 * every message type the rule names) and compiles the rules. All problems are
 * collected so the ISP owner fixes them in one pass.
 */
export function compilePolicySet(input: PolicySetInput): { ok: true; set: PolicySet } | { ok: false; problems: SourceProblem[] } {
  const { catalog, registry, messages } = input;
  const problems: SourceProblem[] = [];
  const typeSet = new Set(messages.types);
  const pathIndexByType = new Map(messages.types.map((t) => [t, schemaPathIndex(messages.fieldPathsOf(t))] as const));
  // The statistics ledger is a recipient rules may name, though no agency file lists it.
  const agencyIds = new Set([...registry.agencies.map((a) => a.id), STATISTICS_LEDGER.id]);
  const roles = new Set([...registry.roles(), STATISTICS_LEDGER.role]);
  const seenIds = new Map<string, string>();
  const rules: CompiledRule[] = [];
  let order = 0;

  for (const file of input.ruleFiles) {
    const { source } = file;
    file.rules.forEach((spec, index) => {
      const at = (path: Array<string | number>, message: string) =>
        problems.push(source.problem(['rules', index, ...path], `rule \`${spec.id}\`: ${message}`));
      const previous = seenIds.get(spec.id);
      if (previous !== undefined) at(['id'], `duplicate rule id (first defined in ${previous})`);
      else seenIds.set(spec.id, `${source.file}:${source.lineOf(['rules', index, 'id'])}`);

      const checkCodes = (field: string, codes: readonly string[] | undefined, known: Record<string, unknown>, what: string) =>
        codes?.forEach((code, i) => {
          if (!Object.hasOwn(known, code)) at([field, i], `${field}: \`${code}\` is not a ${what} in the catalog`);
        });
      checkCodes('purposes', spec.purposes, catalog.purposes, 'purpose');
      checkCodes('legalBases', spec.legalBases, catalog.legalBases, 'legal basis');
      checkCodes('subjectCategories', spec.subjectCategories, catalog.subjectCategories, 'subject category');
      if (spec.effect === 'permit') {
        checkCodes('dataCategories', spec.dataCategories, catalog.dataCategories, 'data category');
        if (!Object.hasOwn(catalog.markings, spec.obligations.marking)) {
          at(['obligations', 'marking'], `marking \`${spec.obligations.marking}\` is not a marking in the catalog`);
        }
        spec.obligations.notify?.forEach((name, i) => {
          if (!agencyIds.has(name) && !roles.has(name)) at(['obligations', 'notify', i], `notify: \`${name}\` is neither an agency id nor a role in agencies.yaml`);
        });
      }
      for (const side of ['from', 'to'] as const) {
        const parties = spec[side];
        parties?.roles?.forEach((role, i) => {
          if (!roles.has(role)) at([side, 'roles', i], `${side}.roles: \`${role}\` is not the role of any agency in agencies.yaml`);
        });
        parties?.agencies?.forEach((id, i) => {
          if (!agencyIds.has(id)) at([side, 'agencies', i], `${side}.agencies: \`${id}\` is not an agency id in agencies.yaml`);
        });
      }
      spec.messageTypes?.forEach((type, i) => {
        if (!typeSet.has(type)) at(['messageTypes', i], `messageTypes: \`${type}\` is not a message type (known: ${messages.types.join(', ')})`);
      });

      // A field path must exist in the schema of every type the rule names;
      // a forbid for every type needs the path in at least one of them.
      const namedTypes = (spec.messageTypes ?? []).filter((t) => typeSet.has(t));
      const checkPath = (path: string, where: Array<string | number>, label: string) => {
        if (spec.messageTypes === undefined) {
          if (![...pathIndexByType.values()].some((ix) => pathInSchema(path, ix.leaves, ix.plainPrefixes))) {
            at(where, `${label}: \`${path}\` is a field of no message type`);
          }
          return;
        }
        const missing = namedTypes.filter((t) => {
          const ix = pathIndexByType.get(t);
          return ix !== undefined && !pathInSchema(path, ix.leaves, ix.plainPrefixes);
        });
        if (missing.length > 0) at(where, `${label}: \`${path}\` is not a field of ${missing.join(', ')}`);
      };
      spec.conditions?.forEach((condition, i) => {
        if (condition.path !== undefined) checkPath(condition.path, ['conditions', i, 'path'], 'conditions');
      });
      const disclose: DiscloseEntry[] = [];
      if (spec.effect === 'permit') {
        spec.obligations.disclose.forEach((entry, i) => {
          const normal: DiscloseEntry = typeof entry === 'string' ? { path: entry } : entry.generalise ? { path: entry.path, generalise: entry.generalise } : { path: entry.path };
          checkPath(normal.path, ['obligations', 'disclose', i], 'obligations.disclose');
          disclose.push(normal);
        });
      } else {
        spec.withhold?.forEach((path, i) => checkPath(path, ['withhold', i], 'withhold'));
      }

      rules.push(
        Object.freeze({
          id: spec.id,
          effect: spec.effect,
          description: spec.description,
          clause: spec.clause,
          file: source.file,
          line: source.lineOf(['rules', index]),
          order: order++,
          messageTypes: spec.messageTypes ? Object.freeze([...spec.messageTypes]) : null,
          from: partySet(spec.from),
          to: partySet(spec.to),
          purposes: spec.purposes ? new Set(spec.purposes) : null,
          legalBases: Object.freeze([...spec.legalBases]),
          dataCategories: Object.freeze(spec.effect === 'permit' ? [...spec.dataCategories] : []),
          subjectCategories: spec.subjectCategories ? new Set(spec.subjectCategories) : null,
          conditionSpecs: Object.freeze([...(spec.conditions ?? [])]),
          conditions: Object.freeze((spec.conditions ?? []).map(compileCondition)),
          obligations:
            spec.effect === 'permit'
              ? Object.freeze({
                  disclose: Object.freeze(disclose),
                  marking: spec.obligations.marking,
                  retainDays: spec.obligations.retainDays,
                  notify: Object.freeze([...(spec.obligations.notify ?? [])]),
                })
              : null,
          withhold: spec.effect === 'forbid' && spec.withhold ? Object.freeze([...spec.withhold]) : null,
          children: spec.effect === 'permit' ? spec.children === true : false,
        }),
      );
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const sources = [input.catalogSource, input.registrySource, ...input.ruleFiles.map((f) => f.source)];
  const version = policyVersion(sources.map((s) => ({ name: input.relativeName(s.file), text: s.text })));
  const frozenRules = Object.freeze(rules);
  return {
    ok: true,
    set: Object.freeze({
      version,
      dir: input.dir,
      files: Object.freeze(sources.map((s) => s.file)),
      catalog,
      registry,
      messages,
      rules: frozenRules,
      index: buildRuleIndex(frozenRules),
      catalogLineOf: (path: readonly string[]) => input.catalogSource.lineOf(path),
      pathExists: (type: string, path: string) => {
        const ix = pathIndexByType.get(type);
        return ix !== undefined && pathInSchema(path, ix.leaves, ix.plainPrefixes);
      },
    }),
  };
}
