/**
 * npm run bench: the hub end to end: throughput, latency and memory.
 *
 * Starts the hub as child processes (so their peak RSS is their own): by
 * default an API and a delivery worker on one redis-server (AOF on) in a
 * temporary DATA_DIR, as docker/compose.yaml deploys it, and an agency
 * webhook receiver on loopback in this process (HTTPS, mutual TLS, the SDK's
 * webhookReceiver opening and verifying every delivery). The police send
 * arrest notifications to probation (pushed) over mutual TLS with keep-alive:
 *
 *   1. the floor: the bare open-and-reseal pipeline (the hub's own opener and
 *      resealer with the same keys and certificates; no HTTP, no Redis);
 *   2. the peak: a closed loop of --concurrency senders for --seconds;
 *   3. half of the measured peak rate, open loop (sends on a fixed schedule,
 *      latency from the scheduled time, so a stall is not hidden), for p99,
 *      after 2 s at that rate that are not counted (PACE_WARMUP_SECONDS).
 * Before each of 2 and 3 Redis rewrites its AOF (redis-maintenance.ts).
 *
 * Latency is from the POST to the receipt at the webhook. Messages are sealed
 * before each timed run so the sender's own crypto does not share the two
 * cores with the hub while it is measured (the receiver's opening does).
 * Prints figures, asserts nothing.
 *
 * Options: --topology split|all (split: an API and a worker process, as docker/compose.yaml
 *   runs the hub; all: one process) --seconds N (20) --concurrency N (32) --half-seconds N (= seconds)
 *   --floor-seconds N (5) --json [FILE] --report (writes docs/benchmarks.md and
 *   docs/benchmarks-latency.svg, and runs bench:envelope/policy/audit/audit-search and bench:scale --wait for it)
 *   --open-in-window (the receiver opens each delivery as it arrives) --no-others (with --report: leave those out) --cpu-prof DIR (a V8 CPU profile of the
 *   hub's main thread over the peak run, summarised in the output and the report)
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { agencyFilesIn, createAgencyClientFromFiles, webhookReceiver, type AgencyClient } from '../src/client/index.js';
import { loadConfig, type HubConfig } from '../src/config/index.js';
import { createAgencyDirectory } from '../src/hub/agency-directory.js';
import { loadHubKeyRing } from '../src/hub/hub-key-ring.js';
import { createMessageOpener } from '../src/hub/message-opener.js';
import { createResealer } from '../src/hub/resealer.js';
import { createTrustStore, openRevocationList, readCertificatesPem } from '../src/pki/index.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';
import { loadRegistry } from '../src/registry/index.js';
import { certsDir, copyPolicies, exampleSchemeEnv } from '../test/support/hub.js';
import { listenAsAgencyWebhook } from './hub/agency-webhook-server.js';
import { summariseProfile } from './hub/profile.js';
import { sealMany } from './hub/sealed-pool.js';
import type { Redis } from 'ioredis';
import { redisMaintenance } from './redis-maintenance.js';
import { writeReport, type BenchResult, type RunResult } from './hub/report.js';
import { perSecond, round, summarise } from './hub/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SENDER = 'nv-police';
const RECIPIENT = 'nv-probation';

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string): string | undefined => {
  const index = argv.indexOf(`--${name}`);
  const next = index >= 0 ? argv[index + 1] : undefined;
  return next !== undefined && !next.startsWith('--') ? next : undefined;
};
const number = (name: string, fallback: number) => {
  const text = value(name);
  const parsed = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new TypeError(`--${name} must be a positive number`);
  return parsed;
};
const seconds = Math.round(number('seconds', 20));
const concurrency = Math.round(number('concurrency', 32));
const halfSeconds = Math.round(number('half-seconds', seconds));
const floorSeconds = number('floor-seconds', 5);
const warmup = Math.round(number('warmup', 300));
const jsonOut = flag('json') ? (value('json') ?? '-') : undefined;
const report = flag('report');
// --open-in-window: the receiver opens each delivery as it arrives, on the same two cores as the hub.
const openInWindow = flag('open-in-window');
const topology = value('topology') ?? 'split';
if (topology !== 'split' && topology !== 'all') throw new TypeError('--topology must be split or all');
const cpuProfDir = flag('cpu-prof') ? path.resolve(value('cpu-prof') ?? 'bench-profiles') : undefined;
// With --json to stdout, the human-readable lines go to stderr so stdout stays one JSON object.
const say = (text: string) => (jsonOut === '-' ? process.stderr : process.stdout).write(`${text}\n`);

// ---------------------------------------------------------------- the receiver

interface Receipts {
  first: Map<string, number>;
  duplicates: number;
  /** Bodies received and not yet opened, by message id (see openReceived). */
  unopened: Map<string, string>;
  /** Deliveries opened and verified with the recipient's SDK client, and those that failed to. */
  opened: number;
  openFailures: number;
}

async function startReceiver(receipts: Receipts): Promise<{ url: string; readonly connections: number; bind(client: AgencyClient): void; close(): Promise<void> }> {
  let handler: express.Router | undefined;
  const app = express();
  app.use('/isp/inbound', (req, res, next) => (handler ? handler(req, res, next) : res.status(503).end()));
  const server = await listenAsAgencyWebhook(RECIPIENT, app);
  return {
    url: server.url,
    get connections() {
      return server.connections;
    },
    bind(client) {
      handler = openInWindow
        ? webhookReceiver(client, async (delivery) => {
            if (receipts.first.has(delivery.messageId)) receipts.duplicates += 1;
            else receipts.first.set(delivery.messageId, performance.now());
            receipts.opened += 1;
          })
        : recordingReceiver(receipts);
    },
    close: () => server.close(),
  };
}

/**
 * The receiver as a recipient's intake queue would be: it records the sealed
 * body and its arrival and answers 204; openReceived opens and verifies every
 * body after the timed window, so the recipient's own decryption (which a real
 * recipient does on its own machine) does not take the hub's two cores during
 * the measurement, just as the sender's sealing is done before it.
 */
function recordingReceiver(receipts: Receipts): express.Router {
  const router = express.Router();
  router.post('/', express.text({ type: 'application/jose', limit: '1mb' }), (req, res) => {
    const messageId = req.header('isp-message-id');
    if (!messageId || typeof req.body !== 'string' || req.body.length === 0) {
      res.status(400).end();
      return;
    }
    if (receipts.first.has(messageId)) receipts.duplicates += 1;
    else {
      receipts.first.set(messageId, performance.now());
      receipts.unopened.set(messageId, req.body);
    }
    res.status(204).end();
  });
  return router;
}

/** Opens every recorded delivery with the recipient's SDK client: the hub's signature, the claims, and that it is the message announced. */
async function openReceived(client: AgencyClient, receipts: Receipts): Promise<void> {
  const pending = [...receipts.unopened.entries()];
  receipts.unopened.clear();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        const [messageId, jwe] = next;
        try {
          const opened = await client.openFromHub(jwe);
          const provenance = opened.claims['provenance'] as { messageId?: string } | undefined;
          if (provenance?.messageId !== messageId) throw new Error('the delivery is not the message its header names');
          receipts.opened += 1;
        } catch {
          receipts.openFailures += 1;
        }
      }
    }),
  );
}

// ---------------------------------------------------------------- the hub process

function hubEnvironment(dataDir: string, policyDir: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    ...exampleSchemeEnv(dataDir, policyDir),
    // One sender at the peak rate is far above the default 60,000 a minute per agency.
    RATE_LIMIT_PER_MINUTE: '10000000',
    SEND_MB_PER_MINUTE: '1048576',
    LOG_LEVEL: 'error',
  };
}

interface HubProcess {
  child: ChildProcess;
  url: string;
  /** Every process of the hub (one, or an API and a worker): CPU and memory are counted over all of them. */
  pids: number[];
  /** Sends a message to the hub process and waits for the answer of the given type. */
  ask(message: object, answer: string): Promise<void>;
  /** The hub's redis-server, when the benchmark started it (split topology). */
  redisUrl?: string;
  stop(): Promise<void>;
}

async function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  const execArgv = ['--import', 'tsx'];
  const child = fork(path.join(root, 'bench/hub/child.ts'), [], {
    cwd: root,
    execArgv,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (message: { type?: string; url?: string }) => message?.type === 'ready' && resolve(String(message.url)));
    child.once('exit', (code) => reject(new Error(`the hub process exited with ${code} before it was ready`)));
  });
  return {
    child,
    url,
    pids: [child.pid as number],
    ask: (message, answer) =>
      new Promise<void>((resolve) => {
        const listener = (reply: { type?: string }) => {
          if (reply?.type !== answer) return;
          child.off('message', listener);
          resolve();
        };
        child.on('message', listener);
        child.send(message);
      }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident and peak resident memory of a process in MB, from /proc (Linux). */
function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds the hub's processes have used so far, together. */
function hubCpuSeconds(hub: HubProcess): number {
  return hub.pids.reduce((total, pid) => total + cpuSecondsOf(pid), 0);
}

/** The largest resident and peak resident memory of any one of the hub's processes (the target is per process). */
function hubMemory(hub: HubProcess): { rssMb: number; peakMb: number } | undefined {
  const each = hub.pids.map(memoryOf).filter((memory): memory is { rssMb: number; peakMb: number } => memory !== undefined);
  return each.length === 0 ? undefined : { rssMb: Math.max(...each.map((m) => m.rssMb)), peakMb: Math.max(...each.map((m) => m.peakMb)) };
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/PID/stat. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime), here counted from field 3; clock ticks are 100/s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------- the floor

/**
 * The hub's crypto floor: its own message opener (decrypt, verify the agency's
 * signature and certificate, check claims, parse the record) and resealer
 * (sign as the hub, encrypt to the recipient), with the hub's keys, in this
 * process, 16 in flight. No HTTP, no Redis, no policy, no audit.
 */
async function measureFloor(config: HubConfig, sealed: string[]): Promise<{ perSecond: number; perCpuSecond: number; operations: number }> {
  const trust = createTrustStore({
    caCertificates: readCertificatesPem(await readFile(config.CA_CERT, 'utf8')),
    revocations: await openRevocationList(config.REVOCATION_LIST),
  });
  const keys = await loadHubKeyRing(config.HUB_CERT_DIR, trust);
  const agencies = await createAgencyDirectory(await loadRegistry(path.join(config.POLICY_DIR, 'agencies.yaml')), trust);
  const openMessage = createMessageOpener(config, () => keys, () => agencies);
  const reseal = createResealer(config, keys, () => agencies);
  let counter = 0;
  const operation = async () => {
    const index = counter++;
    const opened = await openMessage(sealed[index % sealed.length] as string);
    await reseal.sealForRecipient(RECIPIENT, { ...opened.record, provenance: { messageId: `msg_floor${index}`, sender: opened.signerAgencyId } });
  };
  for (let i = 0; i < 64; i += 1) await operation(); // JIT and key imports
  counter = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + floorSeconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) await operation();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: counter / elapsed, perCpuSecond: counter / ((cpu.user + cpu.system) / 1e6), operations: counter };
}

// ---------------------------------------------------------------- load

interface Sent {
  startedAtMs: number;
  answeredAtMs: number;
  id?: string;
  status: number;
}

async function post(client: AgencyClient, jwe: string, startedAtMs: number): Promise<Sent> {
  try {
    const response = await client.request('POST', '/v1/messages', jwe);
    const answeredAtMs = performance.now();
    if (response.status !== 202) return { startedAtMs, answeredAtMs, status: response.status };
    const body = JSON.parse(response.body.toString('utf8')) as { id: string; recipients: Array<{ agency: string; status: string }> };
    const queued = body.recipients.some((recipient) => recipient.agency === RECIPIENT && recipient.status === 'queued');
    return { startedAtMs, answeredAtMs, status: queued ? 202 : -1, id: body.id };
  } catch {
    return { startedAtMs, answeredAtMs: performance.now(), status: 0 };
  }
}

/** Waits until every accepted message has reached the receiver, or the time is up. */
async function drain(sent: Sent[], receipts: Receipts, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const ids = sent.filter((item) => item.id).map((item) => item.id as string);
  while (performance.now() - started < timeoutMs) {
    if (ids.every((id) => receipts.first.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (performance.now() - started) / 1000;
}

interface Sampler {
  stop(): Array<{ atMs: number; rssMb: number }>;
}

function sampleMemory(hub: HubProcess): Sampler {
  const samples: Array<{ atMs: number; rssMb: number }> = [];
  const timer = setInterval(() => {
    const memory = hubMemory(hub);
    if (memory) samples.push({ atMs: performance.now(), rssMb: memory.rssMb });
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

function summariseRun(name: string, sent: Sent[], receipts: Receipts, startMs: number, runSeconds: number, drainSeconds: number, hubPid: number, cpuSeconds: number, memory: Array<{ atMs: number; rssMb: number }>, extra: Partial<RunResult>): RunResult {
  const windowEnd = startMs + runSeconds * 1000;
  const accepted = sent.filter((item) => item.id);
  const acceptedInWindow = accepted.filter((item) => item.answeredAtMs <= windowEnd).length;
  const samples = accepted.flatMap((item) => {
    const receivedAtMs = receipts.first.get(item.id as string);
    return receivedAtMs === undefined ? [] : [{ receivedAtMs, latencyMs: receivedAtMs - item.startedAtMs }];
  });
  const deliveredInWindow = samples.filter((sample) => sample.receivedAtMs <= windowEnd).length;
  const errors: Record<string, number> = {};
  for (const item of sent) if (!item.id || item.status !== 202) errors[String(item.status)] = (errors[String(item.status)] ?? 0) + 1;
  const latency = summarise(samples.map((sample) => sample.latencyMs));
  const accept = summarise(accepted.map((item) => item.answeredAtMs - item.startedAtMs));
  const series = perSecond(samples, startMs, runSeconds).map((point) => {
    const inSecond = memory.filter((sample) => Math.floor((sample.atMs - startMs) / 1000) === point.second);
    return inSecond.length > 0 ? { ...point, rssMb: Math.max(...inSecond.map((sample) => sample.rssMb)) } : point;
  });
  return {
    name,
    seconds: runSeconds,
    sent: sent.length,
    accepted: accepted.length,
    delivered: samples.length,
    acceptedPerSecond: acceptedInWindow / runSeconds,
    deliveredPerSecond: deliveredInWindow / runSeconds,
    latencyMs: latency,
    acceptLatencyMs: accept,
    errors,
    drainSeconds,
    hubCpuSeconds: cpuSeconds,
    hubCpuMsPerMessage: (cpuSeconds * 1000) / Math.max(1, samples.length),
    series,
    hubPid,
    ...extra,
  };
}

/** Closed loop: `concurrency` senders, each posting the next sealed message as soon as its last is answered. */
async function peakRun(client: AgencyClient, hub: HubProcess, receipts: Receipts, message: Record<string, unknown>, floorRate: number): Promise<RunResult> {
  // The hub cannot outrun its own crypto floor by much, so 1.5x the floor's rate is enough; past it, messages are sealed during the run (and counted).
  const pool = await sealMany(client, message, Math.ceil(Math.min(seconds * 1800, floorRate * seconds * 1.5)) + concurrency);
  let sealedDuringRun = 0;
  const sent: Sent[] = [];
  const pid = hub.child.pid as number;
  if (cpuProfDir) await hub.ask({ type: 'profile-start' }, 'profile-started');
  const sampler = sampleMemory(hub);
  const cpuBefore = hubCpuSeconds(hub);
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endMs) {
        let jwe = pool.pop();
        if (jwe === undefined) {
          sealedDuringRun += 1;
          jwe = (await client.sealForHub(message as never)).jwe;
        }
        sent.push(await post(client, jwe, performance.now()));
      }
    }),
  );
  const drainSeconds = await drain(sent, receipts, 60_000);
  const cpuSeconds = hubCpuSeconds(hub) - cpuBefore;
  if (cpuProfDir) await hub.ask({ type: 'profile-stop', file: path.join(cpuProfDir, 'hub-peak.cpuprofile') }, 'profile-written');
  return summariseRun('peak', sent, receipts, startMs, seconds, drainSeconds, pid, cpuSeconds, sampler.stop(), { concurrency, sealedDuringRun });
}

/**
 * Seconds of sending at the half-peak rate before its window opens, not
 * counted: after the Redis rewrite and the sealing that precede the window,
 * kept-alive connections have closed and code paths gone cold, and the first
 * second would otherwise measure TLS handshakes and warm-up, not the hub.
 */
const PACE_WARMUP_SECONDS = 2;

/** Open loop at a fixed rate, after a short uncounted warm-up at the same rate: message i is due at start + i / rate, and its latency counts from then. */
async function paceRun(client: AgencyClient, hub: HubProcess, receipts: Receipts, message: Record<string, unknown>, rate: number): Promise<RunResult> {
  const total = Math.max(1, Math.round(rate * halfSeconds));
  const warm = await sealMany(client, message, Math.round(rate * PACE_WARMUP_SECONDS));
  const pool = await sealMany(client, message, total);
  await drain(await sendOnSchedule(client, warm, rate).sent, receipts, 60_000);
  const pid = hub.child.pid as number;
  const sampler = sampleMemory(hub);
  const cpuBefore = hubCpuSeconds(hub);
  const run = sendOnSchedule(client, pool, rate);
  const sent = await run.sent;
  const drainSeconds = await drain(sent, receipts, 60_000);
  const cpuSeconds = hubCpuSeconds(hub) - cpuBefore;
  return summariseRun('half-peak', sent, receipts, run.startMs, halfSeconds, drainSeconds, pid, cpuSeconds, sampler.stop(), { targetRate: rate, maxInFlight: run.maxInFlight() });
}

/** Posts each sealed message when it is due (start + i / rate), whatever the answers to earlier ones. */
function sendOnSchedule(client: AgencyClient, pool: string[], rate: number): { startMs: number; sent: Promise<Sent[]>; maxInFlight: () => number } {
  const startMs = performance.now();
  let maxInFlight = 0;
  let inFlight = 0;
  const sent = (async () => {
    const pending: Array<Promise<Sent>> = [];
    let next = 0;
    while (next < pool.length) {
      const now = performance.now();
      while (next < pool.length && startMs + (next * 1000) / rate <= now) {
        const due = startMs + (next * 1000) / rate;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.push(post(client, pool[next] as string, due).finally(() => void (inFlight -= 1)));
        next += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return Promise.all(pending);
  })();
  return { startMs, sent, maxInFlight: () => maxInFlight };
}

/**
 * --topology split (the default): an API process and a worker process on one
 * redis-server, as docker/compose.yaml runs the hub (HUB_ROLE=api and
 * HUB_ROLE=worker), so the hub can use both cores. --topology all: one
 * process doing both, on its own embedded redis-server.
 */
async function startHub(env: Record<string, string>, dataDir: string): Promise<HubProcess> {
  if (topology === 'all') return startHubProcess(env);
  const redis = await startEmbeddedRedis({ dataDir: path.join(dataDir, 'redis'), unixSocket: true });
  const shared = { ...env, REDIS_URL: redis.url };
  // The API first: it creates the hub's secrets under DATA_DIR, which the worker then reads.
  const api = await startHubProcess({ ...shared, HUB_ROLE: 'api' });
  const worker = await startHubProcess({ ...shared, HUB_ROLE: 'worker' });
  return {
    ...api,
    redisUrl: redis.url,
    pids: [...api.pids, ...worker.pids],
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
      await redis.stop();
    },
  };
}

// ---------------------------------------------------------------- main

function machine(): BenchResult['machine'] {
  const free = (() => {
    try {
      return execFileSync('free', ['-m'], { encoding: 'utf8' }).trim();
    } catch {
      return `total memory ${Math.round(totalmem() / 2 ** 20)} MB`;
    }
  })();
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return { nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', free, node: process.version, commit };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-bench-hub-'));
  const receipts: Receipts = { first: new Map(), duplicates: 0, unopened: new Map(), opened: 0, openFailures: 0 };
  const loadBefore = loadavg();
  const startedAt = new Date();
  const receiver = await startReceiver(receipts);
  const policyDir = await copyPolicies(dataDir, { [RECIPIENT]: receiver.url });
  const env = hubEnvironment(dataDir, policyDir);
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  say(`bench: the hub end to end  node ${process.version}, ${availableParallelism()} cores, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const hub = await startHub(env, dataDir);
  const clients: AgencyClient[] = [];
  try {
    const clientFor = async (agencyId: string) => {
      const client = await createAgencyClientFromFiles({
        hubUrl: hub.url,
        agencyId,
        ...agencyFilesIn(certsDir, agencyId),
        lifetimeSeconds: 1800,
      });
      clients.push(client);
      return client;
    };
    const recipient = await clientFor(RECIPIENT);
    receiver.bind(recipient);
    const police = await clientFor(SENDER);
    const example = JSON.parse(await readFile(path.join(root, 'policies/examples/arrest-notification.json'), 'utf8')) as Record<string, unknown>;
    const message = { ...example, to: [RECIPIENT] };

    say(`hub ${hub.url} (${topology === 'split' ? `API pid ${hub.pids[0]}, worker pid ${hub.pids[1]}` : `pid ${hub.pids[0]}`}); warm-up: ${warmup} messages`);
    const warm = await sealMany(police, message, warmup);
    const warmSent: Sent[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let jwe = warm.pop(); jwe !== undefined; jwe = warm.pop()) warmSent.push(await post(police, jwe, performance.now()));
    }));
    await drain(warmSent, receipts, 30_000);
    await openReceived(recipient, receipts);
    const warmFailures = warmSent.filter((item) => !item.id).length;
    if (warmFailures > 0) throw new Error(`warm-up: ${warmFailures} of ${warmSent.length} messages were not accepted (statuses ${[...new Set(warmSent.map((item) => item.status))].join(', ')})`);

    say(`floor: open + reseal in this process, 16 in flight, ${floorSeconds}s`);
    const floor = await measureFloor(loadConfig(env), await sealMany(police, message, 256));
    say(`  ${floor.perSecond.toFixed(0)} msg/s (${floor.perCpuSecond.toFixed(0)} per CPU-second)`);

    const redisAdmin = hub.redisUrl ? (connectRedis({ url: hub.redisUrl }) as Redis) : undefined;
    const maintenance = redisAdmin ? redisMaintenance(redisAdmin) : undefined;
    /** Settles Redis (see redis-maintenance.ts), runs, and records how many times Redis forked during the run. */
    const timed = async (run: () => Promise<RunResult>): Promise<RunResult> => {
      const before = await maintenance?.settle();
      const result = await run();
      const after = await maintenance?.forks();
      return before === undefined || after === undefined ? result : { ...result, redisForks: after - before };
    };

    say(`peak: ${concurrency} senders in a closed loop for ${seconds}s (sealing the messages first)`);
    const peak = await timed(() => peakRun(police, hub, receipts, message, floor.perSecond));
    await openReceived(recipient, receipts);
    say(describe(peak));
    say(`  TLS connections the hub opened to the webhook so far: ${receiver.connections}`);

    const rate = Math.max(1, Math.min(peak.deliveredPerSecond, peak.acceptedPerSecond) / 2);
    say(`half of peak: ${rate.toFixed(0)} msg/s on a fixed schedule for ${halfSeconds}s`);
    const half = await timed(() => paceRun(police, hub, receipts, message, rate));
    await openReceived(recipient, receipts);
    say(describe(half));
    redisAdmin?.disconnect();

    const profile = cpuProfDir ? await summariseProfile(path.join(cpuProfDir, 'hub-peak.cpuprofile')) : undefined;
    if (profile) {
      say(`hub main thread over the peak run: busy ${(profile.busyMs / 1000).toFixed(1)} s of ${(profile.wallMs / 1000).toFixed(1)} s; self time by part:`);
      for (const row of profile.rows) say(`  ${row.percentOfBusy.toFixed(1).padStart(5)}%  ${row.part}`);
    }
    const memory = hubMemory(hub);
    const roles = topology === 'split' ? ['API', 'worker'] : ['hub'];
    say(`peak RSS (VmHWM) by process: ${hub.pids.map((pid, index) => `${roles[index]} ${memoryOf(pid)?.peakMb.toFixed(0) ?? '?'} MB`).join(', ')}`);
    const loadAfter = loadavg();
    const result: BenchResult = {
      date: startedAt.toISOString(),
      machine: machine(),
      loadAverage: { before: loadBefore.map((x) => round(x, 2) ?? 0), after: loadAfter.map((x) => round(x, 2) ?? 0) },
      settings: { topology, seconds, halfSeconds, concurrency, floorSeconds, warmup, sender: SENDER, recipient: RECIPIENT, messageType: 'arrest-notification' },
      floor: { perSecond: floor.perSecond, perCpuSecond: floor.perCpuSecond, operations: floor.operations },
      peak,
      half,
      ratio: peak.deliveredPerSecond / floor.perSecond,
      cpuRatio: 1000 / peak.hubCpuMsPerMessage / floor.perCpuSecond,
      peakRssMb: memory?.peakMb ?? Number.NaN,
      duplicates: receipts.duplicates,
      receiver: { openedInWindow: openInWindow, opened: receipts.opened, openFailures: receipts.openFailures },
      ...(profile ? { profile } : {}),
    };
    say(summaryLines(result).join('\n'));
    if (jsonOut === '-') process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (jsonOut) await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
    await hub.stop();
    await receiver.close();
    if (report) await writeReport(result, { root, runOthers: !flag('no-others'), say });
  } finally {
    clients.forEach((client) => client.close());
    await hub.stop();
    await receiver.close().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function describe(run: RunResult): string {
  const l = run.latencyMs;
  const errors = Object.entries(run.errors).map(([status, count]) => `${count}x${status}`).join(' ') || 'none';
  return [
    `  sent ${run.sent}, accepted ${run.accepted}, delivered ${run.delivered}; errors ${errors}`,
    `  accepted ${run.acceptedPerSecond.toFixed(0)} msg/s, delivered ${run.deliveredPerSecond.toFixed(0)} msg/s (drain after the window ${run.drainSeconds.toFixed(1)}s)`,
    `  POST to webhook p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; POST to 202 p50 ${run.acceptLatencyMs.p50.toFixed(1)} ms p99 ${run.acceptLatencyMs.p99.toFixed(1)} ms`,
    `  hub CPU ${run.hubCpuSeconds.toFixed(1)} s = ${run.hubCpuMsPerMessage.toFixed(2)} ms per delivered message`,
    ...(run.redisForks === undefined ? [] : [`  Redis forked ${run.redisForks} time(s) during the run${run.redisForks > 0 ? ' (an AOF rewrite: its latency includes the fork stall and the rewrite taking a core)' : ''}`]),
  ].join('\n');
}

export function summaryLines(result: BenchResult): string[] {
  return [
    '',
    `end to end:   ${result.peak.deliveredPerSecond.toFixed(0)} msg/s delivered (target >= 1,000)`,
    `floor:        ${result.floor.perSecond.toFixed(0)} msg/s open + reseal; hub/floor ${(result.ratio * 100).toFixed(0)}% (target >= 60%); per CPU-second ${(result.cpuRatio * 100).toFixed(0)}%`,
    `peak latency: p50 ${result.peak.latencyMs.p50.toFixed(1)} ms, p95 ${result.peak.latencyMs.p95.toFixed(1)} ms, p99 ${result.peak.latencyMs.p99.toFixed(1)} ms`,
    `half of peak: ${result.half.targetRate?.toFixed(0)} msg/s, p99 ${result.half.latencyMs.p99.toFixed(1)} ms (target < 50 ms)`,
    `hub peak RSS: ${result.peakRssMb.toFixed(0)} MB (target < 300 MB)`,
    ...(result.receiver
      ? [`deliveries opened and verified by the recipient's SDK ${result.receiver.openedInWindow ? 'as they arrived' : 'after each run'}: ${result.receiver.opened}, failures ${result.receiver.openFailures}`]
      : []),
    `load average: ${result.loadAverage.before.join(' ')} before, ${result.loadAverage.after.join(' ')} after`,
  ];
}

await main();
