/**
 * npm run bench:returns: compiling a scheme return over a large statistics
 * ledger, and what the ledger adds to intake.
 *
 *   compile one quarter over 1,000,000 ledger facts      (target < 2 s)
 *   peak heap while compiling, at 250,000 and 1,000,000  (target: flat)
 *   intake cost per message: decide + minimise (CPU) and the write (one Lua call)
 *
 * Runs against its own embedded redis-server over a unix socket, AOF off
 * (loading a million facts is set-up, not the figure; it writes the lines the
 * ledger store writes, pipelined). BENCH_RETURNS_FACTS
 * sets the ledger size (default 1,000,000). The synthetic ledger holds
 * 10,000 people over four years with the mix of message types the research
 * note estimates for a PPO cohort.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { readExampleMessage } from '../src/messages/index.js';
import { loadPolicySet, messageSchemasFromMessages } from '../src/policy/index.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';
import { compileMeasures, DEFAULT_DISCLOSURE_RULES, quarterOf } from '../src/returns/index.js';
import { createLedgerStore, createStatisticsFeed, ledgerKeys, type NewFact } from '../src/statistics/index.js';
import { encodeFact } from '../src/statistics/fact.js';
import { seeded } from '../src/test-seeded-random.js';

const FACTS = Number(process.env['BENCH_RETURNS_FACTS'] ?? 1_000_000);
const PEOPLE = 10_000;
const DAY = 86_400_000;
const note = (text: string) => process.stdout.write(`${text}\n`);
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** Per PPO per year, from the research note's assumptions. */
const MIX: Array<[string, number]> = [
  ['arrest-notification', 4],
  ['charge-notification', 2.4],
  ['court-outcome', 7.2],
  ['custody-release', 1.2],
  ['ppo-status-change', 2],
  ['needs-referral', 2],
  ['risk-flag-update', 2],
  ['risk-flag-query', 10],
];
const MIX_TOTAL = MIX.reduce((sum, [, weight]) => sum + weight, 0);

function syntheticFact(random: () => number, today: number): NewFact {
  const person = Math.floor(random() * PEOPLE);
  const day = today - Math.floor(random() * 4 * 365);
  let pick = random() * MIX_TOTAL;
  let type = MIX[0]![0];
  for (const [candidate, weight] of MIX) {
    if ((pick -= weight) <= 0) {
      type = candidate;
      break;
    }
  }
  const strand = ['prevent-and-deter', 'catch-and-convict', 'rehabilitate-and-resettle'][person % 3]!;
  const fields: NewFact['fields'] =
    type === 'ppo-status-change'
      ? { 'body.status': random() < 0.85 ? 'selected' : 'deselected', 'body.strand': strand, 'body.effectiveDate': iso(day) }
      : type === 'arrest-notification'
        ? { 'body.arrestedAt': iso(day), 'body.ppo.status': 'selected', 'body.offences[].category': ['burglary'] }
        : type === 'charge-notification'
          ? { 'body.chargedAt': iso(day), 'body.decision.outcome': random() < 0.2 ? 'remanded-in-custody' : 'police-bail' }
          : type === 'court-outcome'
            ? { 'body.hearingDate': iso(day), 'body.outcomes[].verdict': [random() < 0.3 ? 'convicted' : 'adjourned'], ...(random() < 0.1 ? { 'body.sentence.type': 'immediate-custody' } : {}) }
            : type === 'custody-release'
              ? { 'body.releaseDate': iso(day), 'body.releaseType': 'licence' }
              : type === 'needs-referral'
                ? { 'body.need': 'housing', 'body.urgency': 'routine' }
                : { 'body.flags[].code': ['violence'] };
  const notified = Math.min(today, day + Math.floor(random() * 4));
  return {
    keys: [createHash('sha256').update(`person-${person}`).digest('hex')],
    type,
    eventDate: iso(day),
    notifiedDate: iso(notified),
    agency: 'nv-police',
    child: person % 3 === 0,
    retainUntil: iso(today + 1095),
    fields,
  };
}

/** Writes the stream entries the ledger store writes, pipelined (set-up only). */
async function fill(redis: Redis, prefix: string, from: number, to: number, today: number): Promise<void> {
  const keys = ledgerKeys(prefix);
  const random = seeded(from + 1);
  for (let seq = from + 1; seq <= to; ) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 5000 && seq <= to; i += 1, seq += 1) {
      const fact = syntheticFact(random, today);
      const month = fact.eventDate.slice(0, 7);
      pipeline.append(keys.month(month), `${encodeFact(seq, `msg_bench${seq}`, fact)}\n`).sadd(keys.months, month);
    }
    await pipeline.exec();
  }
  await redis.set(keys.seq, String(to));
  await redis.set(keys.count, String(to));
}

async function compileOnce(redis: Redis, prefix: string, today: number): Promise<{ ms: number; cpuMs: number; peakHeapMb: number }> {
  const store = createLedgerStore({ redis, prefix, maxFacts: Number.MAX_SAFE_INTEGER });
  const period = quarterOf(iso(today - 100));
  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await compileMeasures(store.read(await store.position()), period, DEFAULT_DISCLOSURE_RULES);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { ms, cpuMs, peakHeapMb: (peak - baseline) / 2 ** 20 };
}

async function intakeCost(redis: Redis, prefix: string): Promise<{ planUs: number; writeUs: number }> {
  const set = await loadPolicySet(path.resolve('policies'), messageSchemasFromMessages());
  const feed = createStatisticsFeed(() => set);
  const store = createLedgerStore({ redis, prefix: `${prefix}w`, maxFacts: Number.MAX_SAFE_INTEGER });
  const record = await readExampleMessage<Record<string, unknown>>(path.resolve('policies/examples'), 'arrest-notification');
  const input = (i: number) => ({ record: record as never, senderId: 'nv-police', issuedAt: new Date(), messageId: `msg_${i}`, correlationId: `c${i}`, subjectKeys: ['a'.repeat(64)] });
  const runs = 5000;
  for (let i = 0; i < 500; i += 1) feed.plan(input(i), false);
  let started = performance.now();
  const plans = [];
  for (let i = 0; i < runs; i += 1) plans.push(feed.plan(input(i), false)!);
  const planUs = ((performance.now() - started) * 1000) / runs;
  started = performance.now();
  for (const plan of plans) {
    await store.size();
    await store.append(plan.messageId, plan.fact!);
  }
  const writeUs = ((performance.now() - started) * 1000) / runs;
  return { planUs, writeUs };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-bench-returns-'));
  const server = await startEmbeddedRedis({ dataDir, appendOnly: false, unixSocket: true });
  const redis = connectRedis({ url: server.url }) as Redis;
  const prefix = '{bench}';
  const today = Math.floor(Date.now() / DAY);
  try {
    note(`bench:returns: ${PEOPLE} people, load ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    const quarter = Math.min(250_000, FACTS);
    await fill(redis, prefix, 0, quarter, today);
    const small = await compileOnce(redis, prefix, today);
    note(`  compile a quarter over ${quarter.toLocaleString('en-GB')} facts: ${small.ms.toFixed(0)} ms (hub CPU ${small.cpuMs.toFixed(0)} ms), peak heap +${small.peakHeapMb.toFixed(0)} MB`);
    await fill(redis, prefix, quarter, FACTS, today);
    const runs = [await compileOnce(redis, prefix, today), await compileOnce(redis, prefix, today), await compileOnce(redis, prefix, today)].sort((a, b) => a.ms - b.ms);
    const median = runs[1]!;
    note(`  compile a quarter over ${FACTS.toLocaleString('en-GB')} facts: median ${median.ms.toFixed(0)} ms (of 3: ${runs.map((run) => run.ms.toFixed(0)).join(', ')}; hub CPU ${median.cpuMs.toFixed(0)} ms), peak heap +${median.peakHeapMb.toFixed(0)} MB (target < 2000 ms)`);
    const cost = await intakeCost(redis, prefix);
    note(`  intake cost per message: decide + minimise ${cost.planUs.toFixed(1)} us CPU; quota check + write ${cost.writeUs.toFixed(1)} us (two Redis round trips, one at a time)`);
  } finally {
    await redis.quit();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
