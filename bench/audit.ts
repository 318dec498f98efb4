/**
 * npm run bench:audit: the audit log's performance figures.
 *
 *   appends/s, 1 writer and 8 concurrent writers        (target >= 20,000/s with 8)
 *   inclusion / consistency proof time at 1,000,000     (target < 5 ms)
 *   full verification speed                             (target >= 200,000 entries/s)
 *
 * Runs against its own embedded redis-server (AOF on, as in production),
 * over a unix socket as the hub reaches its embedded Redis
 * (BENCH_AUDIT_TRANSPORT=tcp for TCP loopback, as with an external Redis).
 * BENCH_AUDIT_ENTRIES sets the size of the large log (default 1,000,000).
 * Proofs are timed on that log: 1,000 of each kind, median, p99 and max.
 * Search-by-subject timing belongs to the search benchmark (src/audit/search),
 * which can fill its log with the same bulkLoadAuditLog helper.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { bulkLoadAuditLog, createAuditLog, syntheticAuditInput, verifyFullLog, type AuditLog } from '../src/audit/index.js';
import { createTestSigner } from '../src/audit/test-signer.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';
import { redisMaintenance } from './redis-maintenance.js';

const LARGE = Number(process.env['BENCH_AUDIT_ENTRIES'] ?? 1_000_000);
const TRANSPORT = process.env['BENCH_AUDIT_TRANSPORT'] === 'tcp' ? 'tcp' : 'unix';
const rows: Array<[string, string, string, string]> = [];
const note = (text: string) => process.stderr.write(`${text}\n`);

function record(measure: string, value: string, target: string, cpu = ''): void {
  rows.push([measure, value, target, cpu]);
  note(`  ${measure}: ${value}${cpu ? ` (${cpu})` : ''}`);
}

/** Redis's own CPU figures: script time (INFO commandstats) and the whole server's CPU (INFO cpu). */
interface RedisCpu {
  scriptUsec: number;
  serverUsec: number;
}

async function redisCpu(client: Redis): Promise<RedisCpu> {
  const text = `${await client.info('commandstats')}\n${await client.info('cpu')}`;
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
  let scriptUsec = 0;
  for (const match of text.matchAll(/^cmdstat_(?:evalsha|eval):calls=\d+,usec=(\d+)/gm)) scriptUsec += Number(match[1]);
  return { scriptUsec, serverUsec: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6 };
}

/**
 * CPU per operation beside the wall-clock rates, so a benchmark on a busy
 * machine can still be read: Node's process CPU (process.cpuUsage), the
 * append script's time inside Redis and the Redis server's whole CPU.
 */
async function measureCpu<T>(client: Redis, operations: () => number, work: () => Promise<T>): Promise<{ result: T; cpu: string; perOperation: { nodeUs: number; redisUs: number } }> {
  const redisBefore = await redisCpu(client);
  const nodeBefore = process.cpuUsage();
  const result = await work();
  const node = process.cpuUsage(nodeBefore);
  const redisAfter = await redisCpu(client);
  const count = operations();
  const per = (usec: number) => (usec / count).toFixed(1);
  const redisUsec = redisAfter.serverUsec - redisBefore.serverUsec;
  return {
    result,
    cpu: `node ${per(node.user + node.system)} us, redis ${per(redisUsec)} us (script ${per(redisAfter.scriptUsec - redisBefore.scriptUsec)} us)`,
    perOperation: { nodeUs: (node.user + node.system) / count, redisUs: redisUsec / count },
  };
}

/**
 * A stand-in for Redis that answers every append script call at once, as if
 * stored, without a socket: 8 writers appending through it measure Node's
 * own work per entry (validation, RFC 8785 text, hashing, tree, batching,
 * promise settling), the part no Redis tuning can take away. Used only
 * here, to print that ceiling beside the real figure; it stores nothing.
 */
function answeringRedis(): Redis {
  const stand: Record<string, unknown> = {
    defineCommand(name: string) {
      stand[`${name}Buffer`] = async () => [0];
      stand[name] = async (numberOfKeys: number, ...rest: unknown[]) => {
        const expected = Number(rest[numberOfKeys]);
        const count = Number(rest[numberOfKeys + 1]);
        return [1, expected + count];
      };
    },
    get: async () => '0',
    // The rollback guard's look for a signed checkpoint: none, so it has nothing to check.
    zrevrange: async () => [],
    // The sequencer lease (taken at once, renewed) and the idle queue reader (nothing ever queued).
    set: async () => 'OK',
    eval: async () => 1,
    duplicate: () => ({
      on: () => undefined,
      disconnect: () => undefined,
      xread: () => new Promise((resolve) => setTimeout(() => resolve(null), 250)),
    }),
  };
  return stand as unknown as Redis;
}

async function appendRate(logs: AuditLog[], writers: number, perWriter: number): Promise<number> {
  let position = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const log = logs[writer % logs.length] as AuditLog;
      for (let i = 0; i < perWriter; i += 1) await log.append(syntheticAuditInput(position++));
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-bench-audit-'));
  const server = await startEmbeddedRedis({ dataDir, unixSocket: TRANSPORT === 'unix' });
  const clients: Redis[] = [];
  const connect = () => {
    const client = connectRedis({ url: server.url }) as Redis;
    clients.push(client);
    return client;
  };
  // Every log is closed at the end: each keeps a sequencer lease timer that would hold the process open.
  const logs: AuditLog[] = [];
  const openLog = (...options: Parameters<typeof createAuditLog>) => {
    const log = createAuditLog(...options);
    logs.push(log);
    return log;
  };
  try {
    const signer = await createTestSigner();
    const rate = (value: number) => `${Math.round(value).toLocaleString('en-GB')} /s`;

    const admin = connect();
    const perEntry = (entries: number) => () => entries;

    note('appends (each writer awaits its own append before the next)');
    const warm = openLog({ redis: connect(), prefix: '{bench-warm}', signer });
    await appendRate([warm], 8, 500);
    const appendRow = async (measure: string, logs: AuditLog[], writers: number, perWriter: number, target: string) => {
      const measured = await measureCpu(admin, perEntry(writers * perWriter), () => appendRate(logs, writers, perWriter));
      record(measure, rate(measured.result), target, `${measured.cpu} per entry`);
      return measured;
    };
    /**
     * What the 8-writer figure can be at most, from this run's own costs. Each
     * writer awaits its own append, so at most 8 entries are in flight: while
     * Redis stores a batch the writers have nothing more to give Node, and the
     * two sides mostly take turns (bound 1 / (node + redis) per entry). Were
     * they to overlap perfectly on the two cores, the slower side would set
     * the pace (bound 1 / max(node, redis)). The stand-in row is Node's work
     * with no Redis at all.
     */
    const appendBounds = async (measured: Awaited<ReturnType<typeof appendRow>>, checkpointSigner: typeof signer) => {
      const { nodeUs, redisUs } = measured.perOperation;
      const alone = await measureCpu(admin, perEntry(8 * 20_000), () => appendRate([openLog({ redis: answeringRedis(), prefix: '{bench-node}', signer: checkpointSigner })], 8, 20_000));
      record("  the same, Node's work alone (a stand-in Redis that answers at once)", rate(alone.result), '-', `node ${alone.perOperation.nodeUs.toFixed(1)} us per entry`);
      record('  bound from this run: Node and Redis taking turns', rate(1e6 / (nodeUs + redisUs)), '-', `1 / (node ${nodeUs.toFixed(1)} + redis ${redisUs.toFixed(1)} us)`);
      record('  bound from this run: Node and Redis overlapping perfectly', rate(1e6 / Math.max(nodeUs, redisUs)), '-', `1 / max(node, redis); ${((measured.result / 20_000) * 100).toFixed(0)}% of the target reached`);
    };
    await appendRow('appends/s, 1 writer', [openLog({ redis: connect(), prefix: '{bench-1}', signer })], 1, 5000, '-');
    const eight = await appendRow('appends/s, 8 writers, 1 process', [openLog({ redis: connect(), prefix: '{bench-8}', signer })], 8, 5000, '>= 20,000 /s');
    await appendBounds(eight, signer);
    const shared = [0, 1, 2, 3].map(() => openLog({ redis: connect(), prefix: '{bench-8x4}', signer }));
    await appendRow('appends/s, 8 writers over 4 hub instances', shared, 8, 2500, '(one sequencer)');

    note(`filling a log to ${LARGE.toLocaleString('en-GB')} entries`);
    const prefix = '{bench-large}';
    const large = openLog({ redis: connect(), prefix, signer, maxBatch: 1024 });
    const fillStarted = performance.now();
    let shown = 0;
    const fill = await measureCpu(admin, perEntry(LARGE), () =>
      bulkLoadAuditLog(large, LARGE, syntheticAuditInput, {
        onProgress: (loaded, total) => {
          if (loaded - shown >= 100_000 || loaded === total) {
            shown = loaded;
            note(`  ${loaded.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')}`);
          }
        },
      }),
    );
    record('bulk load (appendMany, batches of 1,024)', rate(LARGE / ((performance.now() - fillStarted) / 1000)), '-', `${fill.cpu} per entry`);
    await large.checkpoint();

    // A bulk load grows the AOF enough to start rewrites; a rewrite's fork stalls Redis for milliseconds
    // (latest_fork_usec) and its child takes a core. Proofs are timed once the log is at rest.
    const maintenance = redisMaintenance(admin);
    const rewrites = await maintenance.atRest();
    note(`proofs (AOF rewrites so far: ${rewrites.forks}, latest fork stall ${(rewrites.latestForkUsec / 1000).toFixed(1)} ms)`);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    const PROOFS = 1000;
    // Garbage collection during the proofs, so that a p99 outlier can be told from a slow proof.
    const gcPauses: number[] = [];
    const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((entry) => entry.duration)));
    gcObserver.observe({ entryTypes: ['gc'] });
    const proofs = await measureCpu(admin, perEntry(2 * PROOFS), async () => {
      for (let i = 0; i < PROOFS; i += 1) {
        const seq = Math.floor(Math.random() * LARGE);
        let started = performance.now();
        await large.inclusionProof(seq, LARGE);
        inclusion.push(performance.now() - started);
        const first = 1 + Math.floor(Math.random() * (LARGE - 1));
        started = performance.now();
        await large.consistencyProof(first, LARGE);
        consistency.push(performance.now() - started);
      }
    });
    gcObserver.disconnect();
    note(`  GC while the proofs ran: ${gcPauses.length} pauses, longest ${Math.max(0, ...gcPauses).toFixed(1)} ms, ${gcPauses.filter((pause) => pause > 2).length} over 2 ms`);
    const forksDuringProofs = (await maintenance.atRest()).forks - rewrites.forks;
    if (forksDuringProofs > 0) note(`  (Redis forked ${forksDuringProofs} time(s) while the proofs ran: their p99 includes that stall)`);
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    const proofRow = (kind: string, samples: number[]) =>
      record(`${kind} proof at ${LARGE.toLocaleString('en-GB')} (median / p99 / max)`, `${ms(percentile(samples, 0.5))} / ${ms(percentile(samples, 0.99))} / ${ms(Math.max(...samples))}`, '< 5 ms', `${proofs.cpu} per proof, both kinds`);
    proofRow('inclusion', inclusion);
    proofRow('consistency', consistency);

    // As for the proofs: an AOF rewrite's child would take one of the two cores the verification uses.
    const beforeVerify = await maintenance.atRest();
    note('full verification');
    const verifyStarted = performance.now();
    const verified = await measureCpu(admin, () => LARGE, () => verifyFullLog({ redis: connect(), prefix, hubCertificate: signer.certificate }));
    const report = verified.result;
    const seconds = (performance.now() - verifyStarted) / 1000;
    const forksDuringVerify = (await maintenance.atRest()).forks - beforeVerify.forks;
    if (forksDuringVerify > 0) note(`  (Redis forked ${forksDuringVerify} time(s) while the verification ran: its rate includes that)`);
    if (!report.ok) throw new Error(`the benchmark log failed verification: ${report.problem?.message}`);
    record(`full verification of ${report.checkedEntries.toLocaleString('en-GB')} entries`, `${rate(report.checkedEntries / seconds)} (${seconds.toFixed(1)} s)`, '>= 200,000 /s', `${verified.cpu} per entry`);
    // What the search index check adds: the same log verified without it (leaves, tree and checkpoints only).
    const leavesStarted = performance.now();
    const leavesOnly = await measureCpu(admin, () => LARGE, () => verifyFullLog({ redis: connect(), prefix, hubCertificate: signer.certificate, checkIndexes: false }));
    const leavesSeconds = (performance.now() - leavesStarted) / 1000;
    if (!leavesOnly.result.ok) throw new Error(`the benchmark log failed verification: ${leavesOnly.result.problem?.message}`);
    record('  the same without the search index check', `${rate(leavesOnly.result.checkedEntries / leavesSeconds)} (${leavesSeconds.toFixed(1)} s)`, '-', `${leavesOnly.cpu} per entry`);
    record('search by subject at 1,000,000', 'see the search benchmark', '< 50 ms');
    const load = loadavg().map((value) => value.toFixed(2)).join(', ');

    const header = ['measure', 'result (wall clock)', 'target', 'CPU'];
    const widths = [0, 1, 2, 3].map((column) => Math.max(...[header, ...rows].map((row) => (row[column] as string).length)));
    const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`;
    process.stdout.write(`\nisp-hub audit benchmark (node ${process.version}, embedded redis-server over ${TRANSPORT === 'unix' ? 'a unix socket' : 'TCP loopback'}, AOF everysec, load average ${load})\n\n`);
    process.stdout.write(`${line(header)}\n`);
    process.stdout.write(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n`);
    for (const row of rows) process.stdout.write(`${line(row)}\n`);
  } finally {
    await Promise.all(logs.map((log) => log.close().catch(() => undefined)));
    for (const client of clients) client.disconnect();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
