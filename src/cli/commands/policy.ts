import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../errors.js';
import { parseMessageRecord } from '../../messages/index.js';
import {
  decide,
  lintPolicySet,
  messageSchemasFromMessages,
  minimise,
  readPolicySet,
  runPolicyTests,
  type PolicyMessage,
  type PolicySet,
} from '../../policy/index.js';
import type { SourceProblem } from '../../registry/index.js';
import { judgeForLedger, type LedgerRecord } from '../../statistics/index.js';

/**
 * `isp-hub policy lint|test|explain`: what an ISP owner runs after editing
 * policies/. Problems are printed as `file:line: message` (paths relative to
 * the working directory) so editors can jump to them.
 */

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

function printProblems(problems: readonly SourceProblem[]): void {
  for (const p of problems) process.stderr.write(`${rel(p.file)}:${p.line}: error: ${p.message}\n`);
}

async function loadOrReport(dir: string): Promise<PolicySet | undefined> {
  const result = await readPolicySet(dir, messageSchemasFromMessages());
  if (result.ok) return result.set;
  printProblems(result.problems);
  process.stderr.write(`policy set in ${rel(path.resolve(dir))} failed to load: ${result.problems.length} problem(s)\n`);
  process.exitCode = 1;
  return undefined;
}

async function lint(options: { dir: string }): Promise<void> {
  const set = await loadOrReport(options.dir);
  if (!set) return;
  const findings = lintPolicySet(set);
  for (const f of findings) process.stdout.write(`${rel(f.file)}:${f.line}: ${f.severity}: ${f.message}\n`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  process.stdout.write(`policy lint: ${set.rules.length} rules, ${errors} error(s), ${warnings} warning(s); version ${set.version}\n`);
  if (errors > 0) process.exitCode = 1;
}

async function test(options: { dir: string; tests?: string }): Promise<void> {
  const set = await loadOrReport(options.dir);
  if (!set) return;
  const testsDir = options.tests ?? path.join(options.dir, 'tests');
  const report = await runPolicyTests(set, testsDir, (input) => parseMessageRecord(input) as PolicyMessage, {
    statisticsLedger: (policySet, message, sender, at) => judgeForLedger(policySet, message as unknown as LedgerRecord, sender, at),
  });
  printProblems(report.problems);
  for (const r of report.results) {
    if (r.passed) continue;
    process.stdout.write(`FAIL ${rel(r.file)}:${r.line}: ${r.name}\n`);
    for (const failure of r.failures) process.stdout.write(`     ${failure}\n`);
  }
  process.stdout.write(`policy test: ${report.passed} passed, ${report.failed} failed\n`);
  if (report.failed > 0 || report.problems.length > 0 || report.results.length === 0) process.exitCode = 1;
}

async function explain(options: { dir: string; message: string; from: string; to?: string; now?: string; json?: boolean }): Promise<void> {
  const set = await loadOrReport(options.dir);
  if (!set) return;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(options.message, 'utf8'));
  } catch {
    throw new HubError('BAD_REQUEST', 'the --message file cannot be read as JSON');
  }
  const message = parseMessageRecord(raw) as PolicyMessage;
  const sender = set.registry.require(options.from);
  const now = options.now ? new Date(options.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new HubError('BAD_REQUEST', '--now must be an RFC 3339 date-time');
  const recipientIds = options.to ? [options.to] : message.to ? [...message.to] : set.registry.agencies.map((a) => a.id).filter((id) => id !== sender.id);
  const rows = recipientIds.map((id) => {
    const recipient = set.registry.get(id);
    if (!recipient) throw new HubError('RECIPIENT_UNKNOWN', 'a recipient is not an agency of this ISP', { recipient: id });
    const decision = decide(set, message, sender, recipient, { now });
    const m = decision.obligations ? minimise(message as unknown as Record<string, unknown>, decision.obligations) : undefined;
    return { recipient, decision, disclosed: m?.disclosed ?? [], withheld: m?.withheld ?? [], generalised: m?.generalised ?? [] };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...r.decision, disclosed: r.disclosed, withheld: r.withheld, generalised: r.generalised })), null, 2)}\n`);
    return;
  }
  process.stdout.write(`${message.type} from ${sender.id} (${sender.name}) for ${message.purpose}; policy ${set.version.slice(0, 12)}\n\n`);
  for (const r of rows) {
    const d = r.decision;
    process.stdout.write(`${r.recipient.id} (${r.recipient.name}): ${d.effect === 'permit' ? 'PERMITTED' : 'REFUSED'}${d.isChild ? ' [child]' : ''}\n`);
    process.stdout.write(`  ${d.explanation}\n`);
    if (d.ruleIds.length > 0) process.stdout.write(`  rules: ${d.ruleIds.join(', ')}\n`);
    if (d.legalBases.length > 0) process.stdout.write(`  law: ${d.legalBases.map((b) => set.catalog.legalBases[b]?.citation ?? b).join('; ')}\n`);
    if (d.obligations) {
      process.stdout.write(`  marking ${d.obligations.marking}, keep ${d.obligations.retainDays} days${d.obligations.notify.length ? `, notify ${d.obligations.notify.join(', ')}` : ''}\n`);
      process.stdout.write(`  disclosed: ${r.disclosed.join(', ') || '(nothing)'}\n`);
      if (r.generalised.length) process.stdout.write(`  generalised: ${r.generalised.join(', ')}\n`);
      process.stdout.write(`  withheld: ${r.withheld.join(', ') || '(nothing)'}\n`);
    }
    if (d.withheldFields?.length) process.stdout.write(`  taken off the allow-list by a forbid: ${d.withheldFields.join(', ')}\n`);
    process.stdout.write('\n');
  }
}

export function register(program: Command): void {
  const policy = program.command('policy').description('Check, test and explain the Information Sharing Protocol in policies/');
  policy
    .command('lint')
    .description('Load the policy set and report errors (non-zero exit) and warnings')
    .option('--dir <dir>', 'policy folder', 'policies')
    .action(lint);
  policy
    .command('test')
    .description('Run the policy test cases in <dir>/tests')
    .option('--dir <dir>', 'policy folder', 'policies')
    .option('--tests <dir>', 'test cases folder (default <dir>/tests)')
    .action(test);
  policy
    .command('explain')
    .description('For each recipient: permitted or not, by which rule, under which law, what is disclosed and withheld')
    .requiredOption('--message <file>', 'a message record as JSON')
    .requiredOption('--from <agency>', 'the sending agency id')
    .option('--to <agency>', 'one recipient (default: the message `to`, else every other agency)')
    .option('--now <datetime>', 'the decision date (default: now)')
    .option('--dir <dir>', 'policy folder', 'policies')
    .option('--json', 'print JSON')
    .action(explain);
}
