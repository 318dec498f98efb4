/**
 * Soak: the hub as a child process (as in test/faults/),
 * a push receiver for nv-probation and a private redis-server with AOF on.
 * Measures peak throughput briefly (or takes --rate), then holds half of it
 * for --minutes, sampling every --sample-seconds: the hub's RSS, Redis
 * used_memory (INFO memory), messages sent / delivered, errors and latency
 * percentiles of POST /v1/messages. Prints a table over time and a verdict on
 * flatness: the slope of RSS per minute (must be ~0 after warm-up) and Redis
 * bytes per accepted message (the hub retains audit entries, jti records and
 * tracking by design, so Redis grows with messages; a flat line per message
 * is the pass, growth beyond it is a leak).
 *
 * Run: npm run soak -- --minutes 10 [--rate 20] [--sample-seconds 10]
 *      [--fsync everysec|always] [--compare-fsync]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AgencyClient, OutgoingMessage } from '../src/client/index.js';
import { findFreePort, startEmbeddedRedis } from '../src/redis/index.js';
import { example } from '../test/support/e2e.js';
import { copyPolicies, startReceiver } from '../test/support/hub.js';
import { startHubProcess } from '../test/support/hub-process.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const minutes = Number(argument('minutes') ?? 10);
const sampleSeconds = Number(argument('sample-seconds') ?? 10);
const fixedRate = argument('rate') === undefined ? undefined : Number(argument('rate'));
const fsync = argument('fsync') ?? 'everysec';
const compareFsync = process.argv.includes('--compare-fsync');
if (!(minutes > 0) || !(sampleSeconds > 0) || (fixedRate !== undefined && !(fixedRate > 0)) || !['everysec', 'always'].includes(fsync)) {
  process.stderr.write('usage: npm run soak -- --minutes N [--rate MSGS_PER_S] [--sample-seconds S] [--fsync everysec|always] [--compare-fsync]\n');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

const started = new Date();
const redisDir = await mkdtemp(path.join(tmpdir(), 'isp-soak-redis-'));
const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-soak-'));
const redisServer = await startEmbeddedRedis({ dataDir: redisDir });
const redis = new Redis(redisServer.url);
await redis.config('SET', 'appendfsync', fsync);
const receiver = await startReceiver('nv-probation');
const policyDir = await copyPolicies(dataDir, { 'nv-probation': receiver.url });
const hub = await startHubProcess({
  redisUrl: redisServer.url,
  prefix: '{soak}',
  dataDir,
  policyDir,
  port: await findFreePort(),
  env: { DELIVERY_LOCK_MS: '5000', DELIVERY_ATTEMPTS: '8', DELIVERY_BACKOFF_MS: '500' },
});
receiver.bind(await hub.client('nv-probation'));
const police: AgencyClient = await hub.client('nv-police');
const message: OutgoingMessage = await example('arrest-notification');

// Counters for the whole run and per sample window. `awaiting` holds the ids
// of messages accepted in the soak phase and not yet delivered (the backlog).
const awaiting = new Set<string>();
let measuring = false;
let delivered = 0;
let sent = 0;
let accepted = 0;
let errors = 0;
let window: number[] = [];
let sequence = 0;

/** Delivered deliveries are counted and dropped, so the soak process itself stays flat. */
const countDeliveries = setInterval(() => {
  for (const delivery of receiver.deliveries) if (awaiting.delete(delivery.messageId)) delivered += 1;
  receiver.deliveries.length = 0;
}, 200);

async function sendOne(): Promise<void> {
  const { jwe } = await police.sealForHub(message, `soak-${process.pid}-${(sequence += 1)}`);
  const begin = process.hrtime.bigint();
  sent += 1;
  try {
    const response = await police.request('POST', '/v1/messages', jwe);
    if (response.status === 202) {
      accepted += 1;
      if (measuring) awaiting.add((JSON.parse(response.body.toString('utf8')) as { id: string }).id);
    } else errors += 1;
  } catch {
    errors += 1;
  }
  window.push(Number(process.hrtime.bigint() - begin) / 1e6);
}

/** Closed loop with 16 senders for `seconds`: accepted messages per second. */
async function measurePeak(seconds: number): Promise<number> {
  const before = accepted;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < until) await sendOne();
    }),
  );
  return (accepted - before) / seconds;
}

if (compareFsync) {
  for (const mode of ['everysec', 'always']) {
    await redis.config('SET', 'appendfsync', mode);
    await measurePeak(5);
    window = [];
    const peak = await measurePeak(20);
    const sorted = [...window].sort((a, b) => a - b);
    process.stdout.write(`peak with appendfsync ${mode}: ${peak.toFixed(1)} msg/s, p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms\n`);
  }
  await redis.config('SET', 'appendfsync', fsync);
}

let rate = fixedRate;
if (rate === undefined) {
  process.stdout.write('measuring peak throughput for 20 s (16 concurrent senders)...\n');
  const peak = await measurePeak(20);
  rate = Math.max(0.5, peak / 2);
  process.stdout.write(`peak ${peak.toFixed(1)} msg/s; holding half: ${rate.toFixed(1)} msg/s\n`);
}
window = [];
measuring = true;

interface Sample {
  t: number;
  rss: number;
  redisUsed: number;
  sent: number;
  accepted: number;
  delivered: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}
const samples: Sample[] = [];
const startSent = { sent, accepted, errors, delivered };
const begin = Date.now();
const end = begin + minutes * 60_000;

/** Open loop: messages are started on schedule whether or not earlier ones returned (at most 256 in flight). */
let inFlight = 0;
const scheduler = (async () => {
  let due = 0;
  while (Date.now() < end) {
    const target = Math.floor(((Date.now() - begin) / 1000) * rate!);
    while (due < target) {
      due += 1;
      if (inFlight >= 256) {
        errors += 1; // the hub is not keeping up: counted as an error, not queued without bound
        continue;
      }
      inFlight += 1;
      void sendOne().finally(() => (inFlight -= 1));
    }
    await sleep(20);
  }
})();

process.stdout.write(`\n${'min'.padStart(5)} ${'hub RSS MiB'.padStart(11)} ${'redis MiB'.padStart(9)} ${'accepted'.padStart(8)} ${'delivered'.padStart(9)} ${'errors'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)}\n`);
while (Date.now() < end) {
  await sleep(Math.min(sampleSeconds * 1000, Math.max(0, end - Date.now())));
  const info = await redis.info('memory');
  const sorted = window.sort((a, b) => a - b);
  window = [];
  const sample: Sample = {
    t: (Date.now() - begin) / 60_000,
    rss: await hub.rssBytes(),
    redisUsed: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0),
    sent: sent - startSent.sent,
    accepted: accepted - startSent.accepted,
    delivered: delivered - startSent.delivered,
    errors: errors - startSent.errors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
  samples.push(sample);
  process.stdout.write(
    `${sample.t.toFixed(2).padStart(5)} ${mib(sample.rss).padStart(11)} ${mib(sample.redisUsed).padStart(9)} ${String(sample.accepted).padStart(8)} ${String(sample.delivered).padStart(9)} ${String(sample.errors).padStart(6)} ${sample.p50.toFixed(0).padStart(7)} ${sample.p95.toFixed(0).padStart(7)} ${sample.p99.toFixed(0).padStart(7)}\n`,
  );
}
await scheduler;
// Let requests and deliveries in flight land before the final count.
for (let waited = 0; waited < 60_000 && (inFlight > 0 || awaiting.size > 0); waited += 500) await sleep(500);

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  return sxx === 0 ? NaN : sxy / sxx;
}
// The first third is warm-up (JIT, connection pools, V8 heap sizing).
const steady = samples.slice(Math.floor(samples.length / 3));
const rssSlope = slope(steady.map((s) => [s.t, s.rss]));
const meanRss = steady.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, steady.length);
const redisSlope = slope(steady.map((s) => [s.t, s.redisUsed]));
const redisPerMessage = slope(steady.map((s) => [s.accepted, s.redisUsed]));
const allLatencies = samples.map((s) => s.p99).filter((value) => Number.isFinite(value));
const rssFlat = Number.isFinite(rssSlope) && Math.abs(rssSlope) <= Math.max(1024 * 1024, 0.01 * meanRss);
// Under 5 minutes the steady part is a few samples of a heap still sizing itself.
const conclusive = minutes >= 5;
const lost = awaiting.size;
const totalErrors = errors - startSent.errors;
const pass = rssFlat && totalErrors === 0 && lost === 0;

process.stdout.write(
  [
    '',
    `run: ${started.toISOString()}, ${minutes} min at ${rate.toFixed(1)} msg/s, appendfsync ${fsync}`,
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${mib(os.totalmem())} MiB, node ${process.version}, load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`,
    `totals: ${sent - startSent.sent} sent, ${accepted - startSent.accepted} accepted, ${delivered - startSent.delivered} delivered (${lost > 0 ? `${lost} not delivered within 60 s of the end` : 'all'}), ${totalErrors} errors`,
    `latency p99 per window: min ${Math.min(...allLatencies).toFixed(0)} ms, max ${Math.max(...allLatencies).toFixed(0)} ms`,
    `hub RSS slope after warm-up: ${(rssSlope / 1024 / 1024).toFixed(2)} MiB/min (mean ${mib(meanRss)} MiB) -> ${rssFlat ? 'FLAT' : 'GROWING'}`,
    `Redis used_memory slope: ${(redisSlope / 1024 / 1024).toFixed(2)} MiB/min, ${Number.isFinite(redisPerMessage) ? redisPerMessage.toFixed(0) : 'n/a'} bytes per accepted message (retained by design: audit entries, jti records, tracking)`,
    `verdict: ${!conclusive ? `INCONCLUSIVE (run under 5 min; ${pass ? 'no failure seen' : 'see figures'}; use --minutes 10)` : pass ? 'PASS (flat RSS, no errors, everything delivered)' : 'FAIL'}`,
    '',
  ].join('\n'),
);

clearInterval(countDeliveries);
police.close();
await hub.stop();
await receiver.close();
redis.disconnect();
await redisServer.stop();
await rm(dataDir, { recursive: true, force: true });
await rm(redisDir, { recursive: true, force: true });
process.exit(pass || !conclusive ? 0 : 1);
