/**
 * npm run bench:scale: does adding API processes keep throughput?
 *
 * For each deployment it starts a fresh redis-server (AOF on, fsync every
 * second as the embedded default has it, automatic rewrites off: a
 * rewrite's fork and its child taking a core inside a window would set the
 * figure by itself, and forks in the window are still counted), one
 * delivery worker and 1, 2, then 3 API
 * processes (all from the same DATA_DIR and configuration, as a deployment
 * runs them), with nv-probation's webhook endpoint in this process. A fresh
 * Redis each time: on one Redis that kept every earlier deployment's data,
 * each later (larger) deployment ran on more memory and a larger AOF. A
 * closed loop of --concurrency senders spreads arrest notifications
 * round-robin over the API processes for --seconds, after a warm-up that is
 * not counted. The warm-up is long (15 s) because each process compiles its
 * hot code itself: with three processes each one sees a third of the
 * messages, and a short warm-up left the JIT's work inside their windows.
 * For each count it prints messages accepted and delivered per second, hub
 * CPU per message (user + system time of every hub process, from /proc),
 * Redis CPU and commands per message (INFO; commands scripts run inside
 * Redis count too, and the commands that make them up go to standard
 * error), and what the load generator itself used.
 *
 * The load must cost the hub's cores little, or the figure is the load
 * generator's: every message (each with its own jti) is sealed before the
 * warm-up, --pool of them, and the endpoint answers 204 without opening
 * what it receives (a recipient decrypts on its own machine). A message
 * sealed in the window because the pool ran out is counted and shown.
 *
 * Standard error also gets, per deployment, the Redis commands per message
 * by name; each hub process's user and system CPU per message, by thread,
 * its main thread's context switches per message, its peak RSS, and how
 * many messages each API process took; and how many TLS connections the
 * worker opened to the webhook; --cpu-prof DIR writes a V8
 * CPU profile of every hub process. --rounds N runs the sequence N times,
 * ascending in odd rounds and descending in even ones, so that the
 * machine's drift falls on every count alike, and prints the median of each
 * count after the table.
 *
 * --control adds, per round, --max API processes with all the load sent
 * to one of them: what running more processes costs when the work is not
 * spread (the sequencer, its queue and notices, the lease, the idle
 * timers), against what spreading the same work over processes that share
 * the cores costs.
 *
 * --pin binds every API process to CPU 0 and the worker, Redis and this
 * process to CPU 1, so that every deployment gives the API role the same
 * one core: what is then left to compare is what the code does with it.
 *
 * With --wait it then runs one API process against a primary with one
 * replica, REDIS_MIN_REPLICAS_ACK 0 and then 1, to show what waiting for the
 * replica (Redis WAIT) costs.
 *
 * Options: --seconds N (10) --warmup-seconds N (15) --concurrency N (24) --max N (3) --rounds N (1)
 *   --pool N (600 x (warm-up + seconds)) --control --pin --wait --cpu-prof DIR
 * Prints figures, asserts nothing; on a shared 2-core machine the absolute
 * figures mean little, the trend across process counts does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AgencyClient } from '../src/client/index.js';
import { median } from '../src/returns/days.js';
import { findFreePort, startEmbeddedRedis, type EmbeddedRedis } from '../src/redis/index.js';
import { example } from '../test/support/e2e.js';
import { copyPolicies } from '../test/support/hub.js';
import { startHubProcess, type HubProcess } from '../test/support/hub-process.js';
import { startCountingReceiver } from './hub/counting-receiver.js';
import { sealMany } from './hub/sealed-pool.js';
import { positiveNumberOption } from './options.js';
import { redisMaintenance } from './redis-maintenance.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => positiveNumberOption(name, fallback, argv);
const seconds = option('seconds', 10);
const warmupSeconds = option('warmup-seconds', 15);
const concurrency = Math.round(option('concurrency', 24));
const maxProcesses = Math.round(option('max', 3));
const rounds = Math.round(option('rounds', 1));
const withWait = argv.includes('--wait');
const withControl = argv.includes('--control');
const pinned = argv.includes('--pin');
const cpuProfIndex = argv.indexOf('--cpu-prof');
// --cpu-prof DIR: a V8 CPU profile of every hub process, written when it stops (for finding what grows with the process count).
const cpuProfDir = cpuProfIndex >= 0 ? path.resolve(argv[cpuProfIndex + 1] ?? 'scale-profiles') : undefined;
// Enough for the warm-up and the window at 600 msg/s, above what 2 cores reach with 24 senders (bench:scale has peaked near 470).
const poolSize = Math.round(option('pool', 600 * (warmupSeconds + seconds)));

interface Row {
  group: string;
  label: string;
  /** Redis forked (an AOF rewrite) in the window: should be 0. */
  redisForks: number;
  /** Accepted (202) per second in the window. */
  messagesPerSecond: number;
  /** Reached the webhook per second in the window. */
  deliveredPerSecond: number;
  cpuMsPerMessage: number;
  redisCpuMsPerMessage: number;
  /** This process (senders and receiver) per accepted message: what the load itself took from the hub's cores. */
  generatorCpuMsPerMessage: number;
  redisCommandsPerMessage: number;
  p50Ms: number;
  /** Messages sealed inside the window because the pre-sealed pool ran out (should be 0). */
  sealedInWindow: number;
}

interface ProcessCounters {
  userMs: number;
  systemMs: number;
  /** Context switches: the process gave the CPU up (waiting), or was taken off it (the cores were wanted elsewhere). */
  voluntary: number;
  involuntary: number;
  /** CPU ms by thread name: `MainThread` (JavaScript), `libuv-worker` (libuv's pool, where WebCrypto runs), `V8Worker` (GC and compiler helpers). */
  byThread: Map<string, number>;
  /** Peak resident memory so far, MB (VmHWM). */
  peakRssMb: number;
}

/** User and system CPU ms in a /proc stat line (fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOfStat(stat: string): { userMs: number; systemMs: number } {
  const fields = stat.split(') ')[1]?.split(' ') ?? [];
  return { userMs: Number(fields[11] ?? 0) * 10, systemMs: Number(fields[12] ?? 0) * 10 };
}

/** CPU ms of each of the process's threads, summed by thread name (/proc/<pid>/task/<tid>/stat and comm). */
async function cpuByThread(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const [comm, stat] = await Promise.all([readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8'), readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8')]).catch(() => ['', '']);
    const { userMs, systemMs } = cpuMsOfStat(stat);
    const name = comm.trim();
    byName.set(name, (byName.get(name) ?? 0) + userMs + systemMs);
  }
  return byName;
}

/** CPU time (/proc/<pid>/stat), context switches and peak RSS (/proc/<pid>/status) so far. */
async function countersOf(pid: number): Promise<ProcessCounters> {
  const cpu = cpuMsOfStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const switches = (name: string) => Number(new RegExp(`${name}_ctxt_switches:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const peakRssMb = Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  return { ...cpu, voluntary: switches('voluntary'), involuntary: switches('nonvoluntary'), byThread: await cpuByThread(pid), peakRssMb };
}

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

/** Per-command call counts from INFO commandstats (commands scripts run count under their own names). */
async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) stats.set(match[1] as string, Number(match[2]));
  return stats;
}

/** Binds every thread of a process to the given CPUs (threads it starts later inherit it). */
function pinTo(cpus: string, pid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Redis's own CPU so far, in ms (INFO cpu, main process and its threads). */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** The commands that grew most between two commandstats, per message. */
function commandsPerMessage(before: Map<string, number>, after: Map<string, number>, messages: number): string {
  return [...after]
    .map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / Math.max(1, messages)] as const)
    .filter(([, perMessage]) => perMessage >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, perMessage]) => `${name} ${perMessage.toFixed(2)}`)
    .join(', ');
}

/** AOF as the embedded default has it (everysec), without the rewrite Redis starts by itself when the file has doubled. */
const NO_AUTOMATIC_REWRITE = ['--auto-aof-rewrite-percentage', '0'];

interface Deployment {
  /** The kind of deployment, the same in every round (for the medians). */
  group: string;
  /** Its row's name: the group's unless set (a round's deployment adds the round). */
  label?: string;
  apiCount: number;
  /** How many of the API processes the senders send to (the first ones); all unless set. */
  loadedCount?: number;
  env?: Record<string, string>;
  /** With a replica of the primary (for REDIS_MIN_REPLICAS_ACK). */
  replica?: boolean;
}

/** A fresh redis-server (and its replica when asked), so that every deployment starts on the same empty Redis. */
async function startRedisFor(deployment: Deployment): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const redisDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-scale-redis-'));
  const servers: EmbeddedRedis[] = [];
  const stop = async () => {
    for (const server of servers.reverse()) await server.stop();
    await rm(redisDir, { recursive: true, force: true });
  };
  try {
    const primary = await startEmbeddedRedis({ dataDir: path.join(redisDir, 'primary'), extraArgs: NO_AUTOMATIC_REWRITE });
    servers.push(primary);
    if (deployment.replica) {
      servers.push(await startEmbeddedRedis({ dataDir: path.join(redisDir, 'replica'), extraArgs: [...NO_AUTOMATIC_REWRITE, '--replicaof', '127.0.0.1', String(primary.port)] }));
    }
    return { url: primary.url, pid: primary.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runDeployment(deployment: Deployment): Promise<Row> {
  const { apiCount } = deployment;
  const label = deployment.label ?? deployment.group;
  const env = deployment.env ?? {};
  const redisServer = await startRedisFor(deployment);
  const redisUrl = redisServer.url;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-scale-'));
  const receiver = await startCountingReceiver('nv-probation');
  const policyDir = await copyPolicies(dataDir, { 'nv-probation': receiver.url });
  const prefix = `{scale${apiCount}${Date.now() % 100000}}`;
  // One sender far above the default per-agency rate limit (60,000 a minute) is the point here.
  const common = { redisUrl, prefix, dataDir, policyDir, env: { LOG_LEVEL: 'error', AUDIT_CHECKPOINT_SECONDS: '10', RATE_LIMIT_PER_MINUTE: '10000000', SEND_MB_PER_MINUTE: '1048576', ...env } };
  const hubs: HubProcess[] = [];
  const profiled = (role: string, index: number): Record<string, string> =>
    cpuProfDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cpuProfDir} --cpu-prof-name=${apiCount}api-${role}${index}.cpuprofile` } : {};
  try {
    // One at a time: the first creates the local secrets every later one reads from the same DATA_DIR.
    hubs.push(await startHubProcess({ ...common, port: await findFreePort(), env: { ...common.env, HUB_ROLE: 'worker', PORT: '0', ...profiled('worker', 0) } }));
    for (let index = 0; index < apiCount; index += 1) hubs.push(await startHubProcess({ ...common, port: await findFreePort(), env: { ...common.env, HUB_ROLE: 'api', ...profiled('api', index + 1) } }));
    const apis = hubs.slice(1);
    if (pinned) {
      // --pin: every API process on CPU 0 and everything else on CPU 1, so each deployment gives the API role the same one core.
      for (const api of apis) pinTo('0', api.pid);
      for (const pid of [hubs[0]?.pid ?? -1, redisServer.pid, process.pid]) pinTo('1', pid);
    }
    const clients: AgencyClient[] = await Promise.all(apis.map((hub) => hub.client('nv-police')));
    // Every API process has the same keys (one DATA_DIR and HUB_CERT_DIR): what one client seals, any of them accepts.
    const sealStarted = performance.now();
    const message = (await example('arrest-notification')) as never;
    const pool = await sealMany(clients[0] as AgencyClient, message, poolSize);
    process.stderr.write(`${label}: sealed ${pool.length} messages in ${((performance.now() - sealStarted) / 1000).toFixed(1)} s\n`);
    const redis = new Redis(redisUrl);
    let counting = false;
    let sent = 0;
    let sealedInWindow = 0;
    let turn = 0;
    /** Messages each API process accepted in the window. */
    const acceptedBy = clients.map(() => 0);
    /** Messages each API process accepted from the start, warm-up too (what a CPU profile covers). */
    const acceptedInAll = clients.map(() => 0);
    const loaded = clients.slice(0, deployment.loadedCount ?? clients.length);
    const latencies: number[] = [];
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const target = turn++ % loaded.length;
        const client = loaded[target] as AgencyClient;
        let jwe = pool.pop();
        if (jwe === undefined) {
          // The pool ran dry: sealing here takes the hub's cores, so it is counted and shown.
          if (counting) sealedInWindow += 1;
          jwe = (await client.sealForHub(message)).jwe;
        }
        const started = performance.now();
        const response = await client.request('POST', '/v1/messages', jwe);
        if (response.status !== 202) throw new Error(`the hub answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
        acceptedInAll[target] = (acceptedInAll[target] ?? 0) + 1;
        if (counting) {
          sent += 1;
          acceptedBy[target] = (acceptedBy[target] ?? 0) + 1;
          latencies.push(performance.now() - started);
        }
      }
    };
    const senders = Array.from({ length: concurrency }, () => sender());
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
    const countersBefore = await Promise.all(hubs.map((hub) => countersOf(hub.pid)));
    const commandsBefore = await commandsProcessed(redis);
    const statsBefore = await commandStats(redis);
    const redisCpuBefore = await redisCpuMs(redis);
    const forksBefore = await redisMaintenance(redis).forks();
    const deliveredBefore = receiver.received;
    const generatorBefore = process.cpuUsage();
    counting = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    counting = false;
    const elapsed = (performance.now() - started) / 1000;
    const generator = process.cpuUsage(generatorBefore);
    const delivered = receiver.received - deliveredBefore;
    const countersAfter = await Promise.all(hubs.map((hub) => countersOf(hub.pid)));
    const commandsAfter = await commandsProcessed(redis);
    const statsAfter = await commandStats(redis);
    const redisCpu = (await redisCpuMs(redis)) - redisCpuBefore;
    const forks = (await redisMaintenance(redis).forks()) - forksBefore;
    stop = true;
    await Promise.all(senders);
    redis.disconnect();
    clients.forEach((client) => client.close());
    latencies.sort((a, b) => a - b);
    const used = countersAfter.map((after, index) => {
      const before = countersBefore[index] as ProcessCounters;
      const byThread = new Map([...after.byThread].map(([name, ms]) => [name, ms - (before.byThread.get(name) ?? 0)] as const));
      return {
        userMs: after.userMs - before.userMs,
        systemMs: after.systemMs - before.systemMs,
        voluntary: after.voluntary - before.voluntary,
        involuntary: after.involuntary - before.involuntary,
        byThread,
        peakRssMb: after.peakRssMb,
      };
    });
    const cpu = used.reduce((sum, process) => sum + process.userMs + process.systemMs, 0);
    const perMessage = (total: number, digits: number) => Math.round((total / Math.max(1, sent)) * 10 ** digits) / 10 ** digits;
    process.stderr.write(`${label}: Redis commands per message: ${commandsPerMessage(statsBefore, statsAfter, sent)}\n`);
    const perProcess = used.map((process, index) => {
      const each = (value: number) => (value / Math.max(1, sent)).toFixed(2);
      const threads = [...process.byThread].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${each(ms)}`).join(', ');
      return `${index === 0 ? 'worker' : `API ${index} (${acceptedBy[index - 1]} accepted, ${acceptedInAll[index - 1]} with the warm-up)`} user ${each(process.userMs)} ms + system ${each(process.systemMs)} ms (by thread: ${threads}), main thread's context switches ${each(process.voluntary)} + ${each(process.involuntary)} forced, peak RSS ${process.peakRssMb} MB`;
    });
    process.stderr.write(`${label}: per message, by process: ${perProcess.join('; ')}\n`);
    process.stderr.write(`${label}: the worker opened ${receiver.connections} TLS connections to the webhook for ${receiver.received} deliveries\n`);
    return {
      label,
      group: deployment.group,
      redisForks: forks,
      messagesPerSecond: Math.round(sent / elapsed),
      deliveredPerSecond: Math.round(delivered / elapsed),
      cpuMsPerMessage: perMessage(cpu, 2),
      redisCpuMsPerMessage: perMessage(redisCpu, 2),
      generatorCpuMsPerMessage: perMessage((generator.user + generator.system) / 1000, 2),
      redisCommandsPerMessage: perMessage(commandsAfter - commandsBefore, 1),
      p50Ms: Math.round((latencies[Math.floor(latencies.length / 2)] ?? 0) * 10) / 10,
      sealedInWindow,
    };
  } finally {
    for (const hub of hubs.reverse()) await hub.stop();
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
    await redisServer.stop();
  }
}

/** The deployments of one round: 1 to --max API processes, ascending in odd rounds and descending in even ones. */
function deploymentsOfRound(round: number): Deployment[] {
  const counts = Array.from({ length: maxProcesses }, (_, index) => index + 1);
  if (round % 2 === 0) counts.reverse();
  const suffix = rounds > 1 ? ` (round ${round})` : '';
  const deployments: Deployment[] = counts.map((count) => ({ group: `${count} API process${count > 1 ? 'es' : ''} + 1 worker`, apiCount: count }));
  // With one API process there is nothing to leave idle: the control would be the first row again.
  if (withControl && maxProcesses > 1) deployments.push({ group: `${maxProcesses} API processes + 1 worker, all load on one`, apiCount: maxProcesses, loadedCount: 1 });
  return deployments.map((deployment) => ({ ...deployment, label: `${deployment.group}${suffix}` }));
}

/** Per deployment kind run in more than one round: the median, and every round's figure beside it (the spread is the machine's noise). */
function printMedians(rows: Row[]): void {
  const groups = [...new Set(rows.map((row) => row.group))].filter((group) => rows.filter((row) => row.group === group).length > 1);
  process.stdout.write('\n| deployment (median of rounds) | accepted msg/s | each round | hub CPU per message | Redis commands per message |\n|---|---|---|---|---|\n');
  for (const group of groups) {
    const of = rows.filter((row) => row.group === group);
    const accepted = of.map((row) => row.messagesPerSecond);
    const middle = (values: number[]) => median(values) ?? Number.NaN;
    process.stdout.write(
      `| ${group} | ${middle(accepted)} | ${accepted.join(', ')} | ${middle(of.map((row) => row.cpuMsPerMessage)).toFixed(2)} ms | ${middle(of.map((row) => row.redisCommandsPerMessage)).toFixed(1)} |\n`,
    );
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  // A trend seen in every round, whichever way the round runs, is not the machine's drift.
  for (let round = 1; round <= rounds; round += 1) {
    for (const deployment of deploymentsOfRound(round)) {
      rows.push(await runDeployment(deployment));
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  if (withWait) {
    rows.push(await runDeployment({ group: '1 API, replica, REDIS_MIN_REPLICAS_ACK=0', apiCount: 1, replica: true, env: { REDIS_MIN_REPLICAS_ACK: '0' } }));
    rows.push(await runDeployment({ group: '1 API, replica, REDIS_MIN_REPLICAS_ACK=1 (WAIT)', apiCount: 1, replica: true, env: { REDIS_MIN_REPLICAS_ACK: '1' } }));
  }
  process.stdout.write(`\nbench:scale: ${seconds} s per run after ${warmupSeconds} s warm-up, ${concurrency} senders, ${poolSize} messages sealed before each run, a fresh redis-server per run, Node ${process.version}\n\n`);
  process.stdout.write(
    '| deployment | accepted msg/s | delivered msg/s | hub CPU per message | Redis CPU per message | Redis commands per message | p50 (POST to 202) | load generator CPU per message | sealed in window | Redis forks in window |\n|---|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const row of rows) {
    process.stdout.write(
      `| ${row.label} | ${row.messagesPerSecond} | ${row.deliveredPerSecond} | ${row.cpuMsPerMessage} ms | ${row.redisCpuMsPerMessage} ms | ${row.redisCommandsPerMessage} | ${row.p50Ms} ms | ${row.generatorCpuMsPerMessage} ms | ${row.sealedInWindow} | ${row.redisForks} |\n`,
    );
  }
  if (rounds > 1) printMedians(rows);
}

await main();
