/**
 * npm run bench:audit: the audit log's figures from issue 4, "Performance".
 *
 *   appends/s, 1 writer and 8 concurrent writers        (target >= 20,000/s with 8)
 *   inclusion / consistency proof time at 1,000,000     (target < 5 ms)
 *   full verification speed                             (target >= 200,000 entries/s)
 *
 * Runs against its own embedded redis-server (AOF on, as in production).
 * BENCH_AUDIT_ENTRIES sets the size of the large log (default 1,000,000).
 * Search-by-subject timing belongs to the search benchmark (src/audit/search),
 * which can fill its log with the same bulkLoadAuditLog helper.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { bulkLoadAuditLog, createAuditLog, syntheticAuditInput, verifyFullLog, type AuditLog } from '../src/audit/index.js';
import { createTestSigner } from '../src/audit/test-signer.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';

const LARGE = Number(process.env['BENCH_AUDIT_ENTRIES'] ?? 1_000_000);
const rows: Array<[string, string, string]> = [];
const note = (text: string) => process.stderr.write(`${text}\n`);

function record(measure: string, value: string, target: string): void {
  rows.push([measure, value, target]);
  note(`  ${measure}: ${value}`);
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
  const server = await startEmbeddedRedis({ dataDir });
  const clients: Redis[] = [];
  const connect = () => {
    const client = connectRedis({ url: server.url }) as Redis;
    clients.push(client);
    return client;
  };
  try {
    const signer = await createTestSigner();
    const rate = (value: number) => `${Math.round(value).toLocaleString('en-GB')} /s`;

    note('appends (each writer awaits its own append before the next)');
    const warm = createAuditLog({ redis: connect(), prefix: '{bench-warm}', signer });
    await appendRate([warm], 8, 500);
    record('appends/s, 1 writer', rate(await appendRate([createAuditLog({ redis: connect(), prefix: '{bench-1}', signer })], 1, 5000)), '-');
    record('appends/s, 8 writers, 1 process', rate(await appendRate([createAuditLog({ redis: connect(), prefix: '{bench-8}', signer })], 8, 5000)), '>= 20,000 /s');
    const shared = [0, 1, 2, 3].map(() => createAuditLog({ redis: connect(), prefix: '{bench-8x4}', signer }));
    record('appends/s, 8 writers over 4 hub instances', rate(await appendRate(shared, 8, 2500)), '(contended CAS)');

    note(`filling a log to ${LARGE.toLocaleString('en-GB')} entries`);
    const prefix = '{bench-large}';
    const large = createAuditLog({ redis: connect(), prefix, signer, maxBatch: 1024 });
    const fillStarted = performance.now();
    let shown = 0;
    await bulkLoadAuditLog(large, LARGE, syntheticAuditInput, {
      onProgress: (loaded, total) => {
        if (loaded - shown >= 100_000 || loaded === total) {
          shown = loaded;
          note(`  ${loaded.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')}`);
        }
      },
    });
    record('bulk load (appendMany, batches of 1,024)', rate(LARGE / ((performance.now() - fillStarted) / 1000)), '-');
    await large.checkpoint();

    note('proofs');
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const seq = Math.floor(Math.random() * LARGE);
      let started = performance.now();
      await large.inclusionProof(seq, LARGE);
      inclusion.push(performance.now() - started);
      const first = 1 + Math.floor(Math.random() * (LARGE - 1));
      started = performance.now();
      await large.consistencyProof(first, LARGE);
      consistency.push(performance.now() - started);
    }
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    record(`inclusion proof at ${LARGE.toLocaleString('en-GB')} (median / p99)`, `${ms(percentile(inclusion, 0.5))} / ${ms(percentile(inclusion, 0.99))}`, '< 5 ms');
    record(`consistency proof at ${LARGE.toLocaleString('en-GB')} (median / p99)`, `${ms(percentile(consistency, 0.5))} / ${ms(percentile(consistency, 0.99))}`, '< 5 ms');

    note('full verification');
    const verifyStarted = performance.now();
    const report = await verifyFullLog({ redis: connect(), prefix, hubCertificate: signer.certificate });
    const seconds = (performance.now() - verifyStarted) / 1000;
    if (!report.ok) throw new Error(`the benchmark log failed verification: ${report.problem?.message}`);
    record(`full verification of ${report.checkedEntries.toLocaleString('en-GB')} entries`, `${rate(report.checkedEntries / seconds)} (${seconds.toFixed(1)} s)`, '>= 200,000 /s');
    record('search by subject at 1,000,000', 'see the search benchmark', '< 50 ms');

    const widths = [0, 1, 2].map((column) => Math.max(...[['measure', 'result', 'target'], ...rows].map((row) => (row[column] as string).length)));
    const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`;
    process.stdout.write(`\nisp-hub audit benchmark (node ${process.version}, embedded redis-server, AOF everysec)\n\n`);
    process.stdout.write(`${line(['measure', 'result', 'target'])}\n`);
    process.stdout.write(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n`);
    for (const row of rows) process.stdout.write(`${line(row)}\n`);
  } finally {
    for (const client of clients) client.disconnect();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
