/**
 * Audit search timing: search by subject over a log
 * of 1,000,000 entries, p50/p95 over 200 random subjects (target < 50 ms).
 *
 *   npx tsx bench/audit-search.ts [--entries 1000000] [--samples 200] [--fill contract|real]
 *
 * Uses its own embedded redis-server (AOF off: this measures reads). By
 * default the log is filled by writing the storage contract's layout (entry
 * bodies + index sets, exactly the keys the append script writes) through
 * RESP mass insertion, in seconds; `--fill real` goes through src/audit's
 * bulkLoadAuditLog (every entry a Merkle append, much slower). Each search
 * appends its audit-read entry through a real audit log (createAuditLog);
 * the table shows times with and without that append.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAuditSearch, type AuditLogPort } from '../src/audit/search/index.js';
import { auditKeys, bulkLoadAuditLog, createAuditLog, indexKeysOf } from '../src/audit/index.js';
import { createConnection, type Socket } from 'node:net';
import canonicalizeModule from 'canonicalize';
import type { AuditEntry, AuditEntryInput } from '../src/audit/entry.js';
import { createSubjectKeyer } from '../src/audit/subject-keys.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';
import { seeded } from '../src/test-seeded-random.js';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const ENTRIES = argument('entries', 1_000_000);
const SAMPLES = argument('samples', 200);
const SUBJECTS = Math.max(1, Math.floor(ENTRIES / 10));
const AGENCIES = ['nv-police', 'nv-probation', 'nv-yot', 'nv-prison', 'nv-court', 'nv-cps', 'nv-childrens', 'nv-housing', 'nv-health', 'nv-education'];
const PURPOSES = ['ppo-offender-management', 'prevent-and-deter', 'safeguarding-children', 'catch-and-convict', 'rehabilitate-and-resettle'];
const EVENTS = ['collection', 'disclosure', 'refusal', 'delivered', 'collected', 'acknowledged'] as const;

const identifierOf = (index: number) => ({ kind: 'pnc', value: `2020/${String(index).padStart(7, '0')}X` });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;

/**
 * Mass insertion as the Redis manual describes it: raw RESP written down one
 * socket, one reply counted per command. Commands are grouped per batch (one
 * HSET of all bodies, one ZADD per index key), so a million entries cost about
 * a million commands instead of nine million.
 */
function createMassWriter(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = createConnection({ host: hostname, port: Number(port) });
  let pending = 0;
  let waiter: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf(13); at >= 0; at = chunk.indexOf(13, at + 1)) pending -= 1;
    if (chunk[0] === 45) failure = new Error(chunk.toString('utf8', 0, 200));
    if (pending <= 0 && waiter) waiter();
  });
  const command = (args: string[]) => {
    let text = `*${args.length}\r\n`;
    for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    return text;
  };
  return {
    async write(entries: AuditEntry[], prefix: string): Promise<void> {
      const keys = auditKeys(prefix);
      const bodies: string[] = [keys.entries];
      const times: string[] = [keys.time];
      const sets = new Map<string, string[]>();
      for (const entry of entries) {
        const seq = String(entry.seq);
        bodies.push(seq, canonicalize(entry));
        times.push(String(Date.parse(entry.time)), seq);
        for (const key of indexKeysOf(keys, entry)) {
          const members = sets.get(key) ?? [key];
          members.push(seq, seq);
          sets.set(key, members);
        }
      }
      const top = entries.reduce((max, entry) => Math.max(max, entry.seq), -1);
      const commands = [['HSET', ...bodies], ['ZADD', ...times], ...[...sets.values()].map((args) => ['ZADD', ...args]), ['SET', keys.size, String(top + 1)]];
      pending += commands.length;
      const done = new Promise<void>((resolve) => (waiter = resolve));
      socket.write(commands.map((args) => command(args)).join(''));
      await done;
      waiter = undefined;
      if (failure) throw failure;
    },
    close: () => socket.end(),
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-bench-search-'));
  const server = await startEmbeddedRedis({ dataDir, appendOnly: false });
  const redis = connectRedis({ url: server.url });
  const prefix = '{bench}';
  try {
    const keyer = createSubjectKeyer(Buffer.alloc(32, 1));
    const subjectKeys: string[] = [];
    for (let index = 0; index < SUBJECTS; index += 1) subjectKeys.push(keyer(identifierOf(index)));

    const fillStarted = performance.now();
    const next = seeded(2026);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const startMs = Date.parse('2025-01-01T00:00:00.000Z');
    const inputAt = (seq: number): AuditEntryInput => {
      const event = pick(EVENTS);
      const agency = pick(AGENCIES);
      return {
        event,
        agency,
        actor: { id: `staff-${Math.floor(next() * 200)}`, role: 'case-officer' },
        subjectKeys: [subjectKeys[Math.floor(next() * SUBJECTS)]!],
        purpose: pick(PURPOSES),
        legalBases: ['cda-1998-s115'],
        ruleIds: ['ppo-arrest-to-probation'],
        ...(event === 'collection' ? {} : { decision: event === 'refusal' ? ('deny' as const) : ('permit' as const) }),
        fieldsDisclosed: event === 'disclosure' ? ['body.offence.code', 'subject.identifiers.pnc'] : [],
        recipients: event === 'collection' ? [] : [pick(AGENCIES.filter((id) => id !== agency))],
        outcome: `queued-${seq % 2}`,
      };
    };
    let shown = 0;
    const progress = (loaded: number, total: number) => {
      if (loaded - shown < 50_000 && loaded !== total) return;
      shown = loaded;
      process.stderr.write(`\rfilling: ${loaded} / ${total}`);
    };

    // --fill real: through src/audit's bulk loader (slow: every append is a Merkle append);
    // --fill contract (default): the storage contract's layout by RESP mass insertion.
    const fillMode = process.argv.includes('--fill') ? process.argv[process.argv.indexOf('--fill') + 1] : 'contract';
    const real = fillMode === 'real';
    let auditLog: AuditLogPort;
    if (real) {
      // The log's own append path (script, RFC 6962 leaves, indexes); its clock spreads entries over time.
      let tick = 0;
      const log = createAuditLog({ redis, prefix, clock: () => new Date(startMs + (tick++) * 1000) });
      await bulkLoadAuditLog(log, ENTRIES, inputAt, { onProgress: progress });
      auditLog = log;
    } else {
      const BATCH = 5_000;
      const writer = createMassWriter(server.url);
      for (let first = 0; first < ENTRIES; first += BATCH) {
        const batch: AuditEntry[] = [];
        for (let seq = first; seq < Math.min(ENTRIES, first + BATCH); seq += 1) {
          // Built complete rather than parsed: zod on a million entries would time the fill, not search.
          batch.push({ fieldsWithheld: [], subjectKeys: [], legalBases: [], ruleIds: [], fieldsDisclosed: [], recipients: [], ...inputAt(seq), seq, id: `ae_${seq.toString(36).padStart(10, '0')}`, time: new Date(startMs + seq * 1000).toISOString() } as AuditEntry);
        }
        await writer.write(batch, prefix);
        progress(first + batch.length, ENTRIES);
      }
      writer.close();
      // The filled prefix has bodies and indexes but no Merkle tree, so audit-read entries go to a
      // real log under a second prefix on the same Redis: the same append cost, a log that stays valid.
      const filled = createAuditLog({ redis, prefix });
      const reads = createAuditLog({ redis, prefix: '{bench-reads}' });
      auditLog = { getEntries: (seqs) => filled.getEntries(seqs), append: (input) => reads.append(input) };
    }
    process.stderr.write('\n');
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const memory = String(await redis.info('memory')).match(/used_memory_human:(\S+)/)?.[1] ?? '?';

    // Time the audit-read append apart, so the table shows the search itself too.
    let appendMs = 0;
    const timedLog: AuditLogPort = {
      getEntries: (seqs) => auditLog.getEntries(seqs),
      append: async (input) => {
        const started = performance.now();
        try {
          return await auditLog.append(input);
        } finally {
          appendMs += performance.now() - started;
        }
      },
    };
    const search = createAuditSearch({ redis, prefix, auditLog: timedLog, subjectKeyer: keyer });
    const dpo = { id: 'dpo-bench', role: 'data-protection-officer' };

    async function timed(label: string, run: (sample: number) => Promise<number>): Promise<string[]> {
      for (let warm = 0; warm < 10; warm += 1) await run(-1 - warm);
      const times: number[] = [];
      const searchOnly: number[] = [];
      let results = 0;
      for (let sample = 0; sample < SAMPLES; sample += 1) {
        appendMs = 0;
        const started = performance.now();
        results += await run(sample);
        const total = performance.now() - started;
        times.push(total);
        searchOnly.push(total - appendMs);
      }
      times.sort((a, b) => a - b);
      searchOnly.sort((a, b) => a - b);
      return [
        label,
        percentile(times, 50).toFixed(2),
        percentile(times, 95).toFixed(2),
        times[times.length - 1]!.toFixed(2),
        percentile(searchOnly, 50).toFixed(2),
        percentile(searchOnly, 95).toFixed(2),
        (results / SAMPLES).toFixed(1),
      ];
    }

    const pickSubject = seeded(7);
    const rows = [
      await timed('subject, scheme DPO (search + audit-read append)', async () => {
        const page = await search.search({ subject: identifierOf(Math.floor(pickSubject() * SUBJECTS)), limit: 100 }, { kind: 'scheme' }, dpo);
        return page.entries.length;
      }),
      await timed('subject, agency DPO (scope in the index walk)', async () => {
        const page = await search.search({ subject: identifierOf(Math.floor(pickSubject() * SUBJECTS)), limit: 100 }, { kind: 'agency', agencyId: 'nv-police' }, dpo);
        return page.entries.length;
      }),
      await timed('subject + event + time range', async () => {
        const page = await search.search({ subject: identifierOf(Math.floor(pickSubject() * SUBJECTS)), event: 'disclosure', from: '2025-01-02T00:00:00Z', to: '2025-01-10T00:00:00Z', limit: 100 }, { kind: 'scheme' }, dpo);
        return page.entries.length;
      }),
      await timed('agency + event + decision, first page of 100', async () => {
        const page = await search.search({ agency: pick(AGENCIES), event: 'refusal', decision: 'deny', limit: 100 }, { kind: 'scheme' }, dpo);
        return page.entries.length;
      }),
      await timed('subject access report (one person, all entries)', async () => {
        const report = await search.subjectReport(identifierOf(Math.floor(pickSubject() * SUBJECTS)), { kind: 'scheme' }, dpo);
        return report.disclosures.length + report.refusals.length + report.otherActivity.length;
      }),
    ];

    console.log(`audit search at ${ENTRIES.toLocaleString('en-GB')} entries (${SUBJECTS.toLocaleString('en-GB')} subjects; filled in ${fillSeconds.toFixed(1)} s; Redis ${memory}; ${real ? 'filled through bulkLoadAuditLog' : 'filled by RESP mass insertion of the contract layout; audit-reads to a real log'})`);
    console.log(`${SAMPLES} samples each; times in ms, end to end (validation, HMAC, Redis walk, entry fetch, audit-read append)`);
    const header = ['query', 'p50', 'p95', 'max', 'p50 w/o append', 'p95 w/o append', 'results'];
    const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    const p95 = Number(rows[0]![2]);
    console.log(`target: search by subject < 50 ms -> p95 ${p95.toFixed(2)} ms end to end (${rows[0]![5]} ms without the audit-read append) ${p95 < 50 ? 'MET' : 'NOT MET'}`);
  } finally {
    await redis.quit();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
