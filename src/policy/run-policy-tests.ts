import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isHubError } from '../errors.js';
import { readYamlSource, type SourceProblem, type YamlSource } from '../registry/index.js';
import { decide, recipientsFor } from './decide.js';
import type { PolicyMessage } from './message-schemas.js';
import { minimise } from './minimise.js';
import type { PolicySet } from './policy-set.js';
import { policyTestFileSchema, type PolicyTestCase, type RecipientExpectation } from './policy-test-schema.js';
import { plainPath } from './field-paths.js';
import type { Decision } from './decision.js';
import { STATISTICS_LEDGER } from './statistics-recipient.js';
import type { Party } from '../registry/index.js';

export interface PolicyTestResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly passed: boolean;
  /** What differed, one line each (paths, rule ids and decisions only). */
  readonly failures: readonly string[];
}

export interface PolicyTestReport {
  readonly results: readonly PolicyTestResult[];
  /** Test files that could not be read or parsed: each stops that file. */
  readonly problems: readonly SourceProblem[];
  readonly passed: number;
  readonly failed: number;
}

/**
 * How intake judges what reaches the statistics ledger (src/statistics,
 * judgeForLedger), given by the caller so that a policy test decides for
 * the ledger with the very code intake runs. Undefined when the catalog
 * keeps no ledger.
 */
export type LedgerJudge = (
  set: PolicySet,
  message: PolicyMessage,
  sender: Party,
  at: Date,
) => { decision: Decision; written?: { fields: Record<string, unknown>; withheld: readonly string[] } } | undefined;

export interface PolicyTestOptions {
  /** Lets cases expect decisions for `scheme-statistics`, the statistics ledger, which is not in agencies.yaml. */
  statisticsLedger?: LedgerJudge;
}

/** What one recipient was given: the decision, and the leaf paths disclosed and withheld. */
interface Outcome {
  decision: Decision;
  disclosed: readonly string[];
  withheld: readonly string[];
}

function sameSet(actual: readonly string[], expected: readonly string[]): string | undefined {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = [...e].filter((x) => !a.has(x));
  const extra = [...a].filter((x) => !e.has(x));
  if (missing.length === 0 && extra.length === 0) return undefined;
  return [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1) as string;
  if (value === null) delete node[last];
  else node[last] = value;
}

/** An agency by minimise(); the ledger by the intake's own judgement, its `disclosed` being the paths of the fact written. */
function outcomeFor(set: PolicySet, message: PolicyMessage, sender: Party, recipientId: string, now: Date, options: PolicyTestOptions): Outcome | string {
  const recipient = set.registry.get(recipientId);
  if (recipient) {
    const decision = decide(set, message, sender, recipient, { now });
    const minimised = minimise(message as unknown as Record<string, unknown>, decision.obligations ?? { disclose: [] });
    return { decision, disclosed: minimised.disclosed, withheld: minimised.withheld };
  }
  if (recipientId !== STATISTICS_LEDGER.id) return `${recipientId}: not an agency in agencies.yaml`;
  if (!options.statisticsLedger) return `${recipientId}: this runner was not given the statistics ledger's judgement`;
  const judged = options.statisticsLedger(set, message, sender, now);
  if (!judged) return `${recipientId}: the catalog defines no statistics purpose, so there is no ledger`;
  return { decision: judged.decision, disclosed: Object.keys(judged.written?.fields ?? {}), withheld: judged.written?.withheld ?? [] };
}

function checkRecipient(set: PolicySet, message: PolicyMessage, sender: Party, recipientId: string, expectation: RecipientExpectation, now: Date, options: PolicyTestOptions): string[] {
  const outcome = outcomeFor(set, message, sender, recipientId, now, options);
  if (typeof outcome === 'string') return [outcome];
  const { decision } = outcome;
  const want = typeof expectation === 'string' ? { decision: expectation } : expectation;
  const out: string[] = [];
  const rules = decision.ruleIds.length > 0 ? ` (rules: ${decision.ruleIds.join(', ')})` : ' (default deny)';
  if (decision.effect !== want.decision) out.push(`${recipientId}: expected ${want.decision}, got ${decision.effect}${rules}`);
  if (typeof expectation === 'string') return out;
  if (expectation.rules) {
    const diff = sameSet(decision.ruleIds, expectation.rules);
    if (diff) out.push(`${recipientId}: rules differ: ${diff}`);
  }
  if (expectation.isChild !== undefined && expectation.isChild !== decision.isChild) out.push(`${recipientId}: expected isChild ${expectation.isChild}`);
  if (expectation.marking !== undefined && decision.obligations?.marking !== expectation.marking) {
    out.push(`${recipientId}: expected marking ${expectation.marking}, got ${decision.obligations?.marking ?? 'none'}`);
  }
  if (expectation.notify) {
    const diff = sameSet(decision.obligations?.notify ?? [], expectation.notify);
    if (diff) out.push(`${recipientId}: notify differs: ${diff}`);
  }
  if (expectation.disclosed) {
    const diff = sameSet(outcome.disclosed, expectation.disclosed);
    if (diff) out.push(`${recipientId}: disclosed fields differ: ${diff}`);
  }
  if (expectation.withheld) {
    const missing = expectation.withheld.filter((p) => !outcome.withheld.includes(p));
    if (missing.length > 0) out.push(`${recipientId}: expected withheld but not: ${missing.join(', ')}`);
  }
  if (expectation.notDisclosed) {
    const leaked = outcome.disclosed.filter((d) => expectation.notDisclosed?.some((p) => plainPath(d) === plainPath(p) || plainPath(d).startsWith(`${plainPath(p)}.`)));
    if (leaked.length > 0) out.push(`${recipientId}: disclosed what must not be: ${leaked.join(', ')}`);
  }
  return out;
}

async function loadMessage(
  testCase: PolicyTestCase,
  file: string,
  parseMessage: (input: unknown) => PolicyMessage,
): Promise<{ message: PolicyMessage } | { error: string }> {
  let raw: Record<string, unknown>;
  if (typeof testCase.message === 'string') {
    try {
      raw = JSON.parse(await readFile(path.resolve(path.dirname(file), testCase.message), 'utf8')) as Record<string, unknown>;
    } catch (error) {
      return { error: `cannot read message ${testCase.message}: ${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'}` };
    }
  } else {
    raw = structuredClone(testCase.message);
  }
  for (const [dotted, value] of Object.entries(testCase.set ?? {})) setPath(raw, dotted, value);
  try {
    return { message: parseMessage(raw) };
  } catch (error) {
    if (isHubError(error)) {
      const issues = (error.details?.issues as Array<{ path: string; code: string }> | undefined)?.map((i) => `${i.path} (${i.code})`).join(', ');
      return { error: `message is invalid: ${error.code}${issues ? `: ${issues}` : ''}` };
    }
    throw error;
  }
}

async function runCase(set: PolicySet, source: YamlSource, index: number, defaultNow: string, testCase: PolicyTestCase, parseMessage: (input: unknown) => PolicyMessage, options: PolicyTestOptions): Promise<PolicyTestResult> {
  const line = source.lineOf(['cases', index]);
  const base = { file: source.file, line, name: testCase.name };
  const loaded = await loadMessage(testCase, source.file, parseMessage);
  if ('error' in loaded) return { ...base, passed: false, failures: [loaded.error] };
  const sender = set.registry.get(testCase.from);
  if (!sender) return { ...base, passed: false, failures: [`from: ${testCase.from} is not an agency in agencies.yaml`] };
  const now = new Date(testCase.now ?? defaultNow);
  const failures: string[] = [];
  for (const [recipientId, expectation] of Object.entries(testCase.expect)) {
    failures.push(...checkRecipient(set, loaded.message, sender, recipientId, expectation, now, options));
  }
  if (testCase.recipients) {
    const found = recipientsFor(set, loaded.message, sender, { now }).map((r) => r.agency.id);
    const diff = sameSet(found, testCase.recipients);
    if (diff) failures.push(`recipients differ: ${diff}`);
  }
  return { ...base, passed: failures.length === 0, failures };
}

/** Runs every tests/*.yaml case in `testsDir` against `set`. */
export async function runPolicyTests(set: PolicySet, testsDir: string, parseMessage: (input: unknown) => PolicyMessage, options: PolicyTestOptions = {}): Promise<PolicyTestReport> {
  const problems: SourceProblem[] = [];
  const results: PolicyTestResult[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(testsDir)).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (error) {
    problems.push({ file: testsDir, line: 1, message: `cannot read the tests folder (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
  }
  for (const name of names) {
    const parsed = await readYamlSource(path.join(testsDir, name), policyTestFileSchema);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const { value, source } = parsed;
    for (const [index, testCase] of value.cases.entries()) {
      results.push(await runCase(set, source, index, value.now, testCase, parseMessage, options));
    }
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, problems, passed, failed: results.length - passed };
}
