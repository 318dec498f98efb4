/**
 * `npm run bench:policy`: decisions per second and microseconds per decision
 * on the Northvale example protocol, and on a generated set of 10,000 rules
 * over the same agencies and message types. The rule index (by message type,
 * sender and recipient) should keep the cost per decision of the same order
 * at both sizes; the target is under 20 us at 10,000 rules.
 *
 * Prints figures only; it asserts nothing.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESSAGE_TYPES, parseMessageRecord } from '../src/messages/index.js';
import { decide, loadPolicySet, messageSchemasFromMessages, type PolicyMessage, type PolicySet } from '../src/policy/index.js';
import { seeded } from '../src/test-seeded-random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const policies = path.join(root, 'policies');
const now = new Date('2026-11-25T12:00:00Z');

async function generatedSet(count: number, set: PolicySet): Promise<{ dir: string; loadMs: number; loaded: PolicySet }> {
  const random = seeded(20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const roles = set.registry.roles();
  const purposes = Object.keys(set.catalog.purposes);
  const categories = Object.keys(set.catalog.subjectCategories);
  const lines = ['version: 1', 'rules:'];
  for (let i = 0; i < count; i += 1) {
    const id = `g-${String(i).padStart(5, '0')}`;
    const forbid = random() < 0.05;
    lines.push(`  - id: ${id}`, `    effect: ${forbid ? 'forbid' : 'permit'}`, '    description: Generated rule for the benchmark.', `    clause: "G.${i}"`);
    lines.push(`    messageTypes: [${pick(MESSAGE_TYPES)}]`, `    from: { roles: [${pick(roles)}] }`, `    to: { roles: [${pick(roles)}, ${pick(roles)}] }`);
    lines.push(`    purposes: [${pick(purposes)}, ${pick(purposes)}]`, '    legalBases: [cda-1998-s115]');
    lines.push('    conditions:', `      - { path: subject.category, in: [${pick(categories)}, ${pick(categories)}] }`);
    if (random() < 0.5) lines.push(`      - { subjectAge: { min: ${Math.floor(random() * 30)} } }`);
    if (forbid) {
      lines.push('    withhold: [subject.dateOfBirth]');
    } else {
      lines.push('    dataCategories: [identity]', '    obligations:', '      disclose: [subject.name, subject.dateOfBirth, subject.identifiers]', '      marking: OFFICIAL', '      retainDays: 30');
      if (random() < 0.2) lines.push('    children: true');
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-policy-'));
  await mkdir(path.join(dir, 'rules'));
  await copyFile(path.join(policies, 'catalog.yaml'), path.join(dir, 'catalog.yaml'));
  await copyFile(path.join(policies, 'agencies.yaml'), path.join(dir, 'agencies.yaml'));
  await writeFile(path.join(dir, 'rules', 'generated.yaml'), `${lines.join('\n')}\n`);
  const started = performance.now();
  const loaded = await loadPolicySet(dir, messageSchemasFromMessages());
  return { dir, loadMs: performance.now() - started, loaded };
}

interface Workload {
  message: PolicyMessage;
  sender: { id: string; role: string };
  recipient: { id: string; role: string };
}

async function workload(set: PolicySet): Promise<Workload[]> {
  const out: Workload[] = [];
  for (const type of MESSAGE_TYPES) {
    const record = parseMessageRecord(JSON.parse(await readFile(path.join(policies, 'examples', `${type}.json`), 'utf8'))) as PolicyMessage;
    for (const sender of set.registry.agencies) {
      for (const recipient of set.registry.agencies) if (recipient.id !== sender.id) out.push({ message: record, sender, recipient });
    }
  }
  return out;
}

function measure(set: PolicySet, work: readonly Workload[], rounds: number): { decisions: number; seconds: number; permits: number } {
  let permits = 0;
  for (const w of work) decide(set, w.message, w.sender, w.recipient, { now }); // warm-up: JIT and index caches
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r += 1) {
    for (const w of work) if (decide(set, w.message, w.sender, w.recipient, { now }).effect === 'permit') permits += 1;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { decisions: rounds * work.length, seconds, permits: permits / rounds };
}

const example = await loadPolicySet(policies, messageSchemasFromMessages());
const work = await workload(example);
const generated = await generatedSet(10_000, example);
const rounds = 200;

const small = measure(example, work, rounds);
const large = measure(generated.loaded, work, rounds);
await rm(generated.dir, { recursive: true, force: true });

const row = (name: string, rules: number, m: ReturnType<typeof measure>) => {
  const perSecond = m.decisions / m.seconds;
  const us = (m.seconds * 1e6) / m.decisions;
  return { name, rules, decisions: m.decisions, perSecond, us, permits: m.permits };
};
const rows = [row('Northvale example protocol', example.rules.length, small), row('generated', generated.loaded.rules.length, large)];

console.log(`policy decisions: ${work.length} (message, sender, recipient) combinations x ${rounds} rounds, Node ${process.version}`);
console.log('');
console.log('| set                        |  rules | decisions | decisions/s | us/decision | permits/round |');
console.log('|----------------------------|-------:|----------:|------------:|------------:|--------------:|');
for (const r of rows) {
  console.log(`| ${r.name.padEnd(26)} | ${String(r.rules).padStart(6)} | ${String(r.decisions).padStart(9)} | ${Math.round(r.perSecond).toLocaleString('en-GB').padStart(11)} | ${r.us.toFixed(2).padStart(11)} | ${String(r.permits).padStart(13)} |`);
}
const ratio = (rows[1]?.us ?? 0) / (rows[0]?.us ?? 1);
console.log('');
console.log(`ratio (10,000 rules / example set): ${ratio.toFixed(2)}x per decision; target under 20 us at 10,000 rules: ${(rows[1]?.us ?? Infinity) < 20 ? 'met' : 'NOT met'}`);
console.log(`loading and compiling the 10,000-rule set took ${Math.round(generated.loadMs)} ms`);
