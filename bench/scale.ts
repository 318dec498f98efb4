/**
 * npm run bench:scale: does adding API processes keep throughput?
 *
 * Starts one redis-server (AOF on), one delivery worker and 1, 2, then 3
 * API processes (all from the same DATA_DIR and configuration, as a
 * deployment runs them), with nv-probation's webhook endpoint in this
 * process. A closed loop of --concurrency senders spreads arrest
 * notifications round-robin over the API processes for --seconds, after a
 * warm-up that is not counted. For each count it prints messages accepted
 * and delivered per second, hub CPU per message (user + system time of
 * every hub process, from /proc), Redis CPU and commands per message (INFO;
 * commands scripts run inside Redis count too, and the commands that make
 * them up go to standard error), and what the load generator itself used.
 *
 * The load must cost the hub's cores little, or the figure is the load
 * generator's: every message (each with its own jti) is sealed before the
 * warm-up, --pool of them, and the endpoint answers 204 without opening
 * what it receives (a recipient decrypts on its own machine). A message
 * sealed in the window because the pool ran out is counted and shown.
 *
 * Standard error also gets, per deployment, the Redis commands per message
 * by name, each hub process's user and system CPU and context switches per
 * message (and how many messages each API process took), and how many TLS
 * connections the worker opened to the webhook; --cpu-prof DIR writes a V8
 * CPU profile of every hub process. --rounds N runs the 1, 2, 3 sequence N
 * times, so a trend can be told from the machine's drift.
 *
 * With --wait it then runs one API process against a primary with one
 * replica, REDIS_MIN_REPLICAS_ACK 0 and then 1, to show what waiting for the
 * replica (Redis WAIT) costs.
 *
 * Options: --seconds N (10) --warmup-seconds N (3) --concurrency N (24) --max N (3) --rounds N (1)
 *   --pool N (800 x (warm-up + seconds)) --wait --cpu-prof DIR
 * Prints figures, asserts nothing; on a shared 2-core machine the absolute
 * figures mean little, the trend across process counts does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AgencyClient } from '../src/client/index.js';
import { findFreePort, startEmbeddedRedis, type EmbeddedRedis } from '../src/redis/index.js';
import { example } from '../test/support/e2e.js';
import { copyPolicies } from '../test/support/hub.js';
import { startHubProcess, type HubProcess } from '../test/support/hub-process.js';
import { startCountingReceiver } from './hub/counting-receiver.js';
import { sealMany } from './hub/sealed-pool.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = argv.indexOf(`--${name}`);
  const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isFinite(parsed) || parsed <= 0) throw new TypeError(`--${name} must be a positive number`);
  return parsed;
};
const seconds = option('seconds', 10);
const warmupSeconds = option('warmup-seconds', 3);
const concurrency = Math.round(option('concurrency', 24));
const maxProcesses = Math.round(option('max', 3));
const rounds = Math.round(option('rounds', 1));
const withWait = argv.includes('--wait');
const cpuProfIndex = argv.indexOf('--cpu-prof');
// --cpu-prof DIR: a V8 CPU profile of every hub process, written when it stops (for finding what grows with the process count).
const cpuProfDir = cpuProfIndex >= 0 ? path.resolve(argv[cpuProfIndex + 1] ?? 'scale-profiles') : undefined;
// Enough for the warm-up and the window at 800 msg/s, well above what 2 cores reach (bench:hub peaks near 400).
const poolSize = Math.round(option('pool', 800 * (warmupSeconds + seconds)));

interface Row {
  label: string;
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
}

/** CPU time (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms) and context switches (/proc/<pid>/status) so far. */
async function countersOf(pid: number): Promise<ProcessCounters> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const switches = (name: string) => Number(new RegExp(`${name}_ctxt_switches:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { userMs: Number(fields[11]) * 10, systemMs: Number(fields[12]) * 10, voluntary: switches('voluntary'), involuntary: switches('nonvoluntary') };
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

async function runDeployment(label: string, apiCount: number, redisUrl: string, env: Record<string, string>): Promise<Row> {
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
    const latencies: number[] = [];
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const target = turn++ % clients.length;
        const client = clients[target] as AgencyClient;
        let jwe = pool.pop();
        if (jwe === undefined) {
          // The pool ran dry: sealing here takes the hub's cores, so it is counted and shown.
          if (counting) sealedInWindow += 1;
          jwe = (await client.sealForHub(message)).jwe;
        }
        const started = performance.now();
        const response = await client.request('POST', '/v1/messages', jwe);
        if (response.status !== 202) throw new Error(`the hub answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
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
    stop = true;
    await Promise.all(senders);
    redis.disconnect();
    clients.forEach((client) => client.close());
    latencies.sort((a, b) => a - b);
    const used = countersAfter.map((after, index) => {
      const before = countersBefore[index] as ProcessCounters;
      return { userMs: after.userMs - before.userMs, systemMs: after.systemMs - before.systemMs, voluntary: after.voluntary - before.voluntary, involuntary: after.involuntary - before.involuntary };
    });
    const cpu = used.reduce((sum, process) => sum + process.userMs + process.systemMs, 0);
    const perMessage = (total: number, digits: number) => Math.round((total / Math.max(1, sent)) * 10 ** digits) / 10 ** digits;
    process.stderr.write(`${label}: Redis commands per message: ${commandsPerMessage(statsBefore, statsAfter, sent)}\n`);
    const perProcess = used.map((process, index) => {
      const each = (value: number) => (value / Math.max(1, sent)).toFixed(2);
      return `${index === 0 ? 'worker' : `API ${index} (${acceptedBy[index - 1]} accepted)`} user ${each(process.userMs)} ms + system ${each(process.systemMs)} ms, context switches ${each(process.voluntary)} + ${each(process.involuntary)} forced`;
    });
    process.stderr.write(`${label}: per message, by process: ${perProcess.join('; ')}\n`);
    process.stderr.write(`${label}: the worker opened ${receiver.connections} TLS connections to the webhook for ${receiver.received} deliveries\n`);
    return {
      label,
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
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const redisDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-scale-redis-'));
  const servers: EmbeddedRedis[] = [];
  try {
    const primary = await startEmbeddedRedis({ dataDir: path.join(redisDir, 'primary') });
    servers.push(primary);
    // Rounds 1, 2, 3, 1, 2, 3...: on a shared machine the load drifts, and a trend seen in every round is not the drift.
    for (let round = 1; round <= rounds; round += 1) {
      for (let count = 1; count <= maxProcesses; count += 1) {
        const label = `${count} API process${count > 1 ? 'es' : ''} + 1 worker${rounds > 1 ? ` (round ${round})` : ''}`;
        rows.push(await runDeployment(label, count, primary.url, {}));
        process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
      }
    }
    if (withWait) {
      const replica = await startEmbeddedRedis({ dataDir: path.join(redisDir, 'replica'), extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
      servers.push(replica);
      rows.push(await runDeployment('1 API, replica, REDIS_MIN_REPLICAS_ACK=0', 1, primary.url, { REDIS_MIN_REPLICAS_ACK: '0' }));
      rows.push(await runDeployment('1 API, replica, REDIS_MIN_REPLICAS_ACK=1 (WAIT)', 1, primary.url, { REDIS_MIN_REPLICAS_ACK: '1' }));
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await rm(redisDir, { recursive: true, force: true });
  }
  process.stdout.write(`\nbench:scale: ${seconds} s per run after ${warmupSeconds} s warm-up, ${concurrency} senders, ${poolSize} messages sealed before each run, Node ${process.version}\n\n`);
  process.stdout.write(
    '| deployment | accepted msg/s | delivered msg/s | hub CPU per message | Redis CPU per message | Redis commands per message | p50 (POST to 202) | load generator CPU per message | sealed in window |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const row of rows) {
    process.stdout.write(
      `| ${row.label} | ${row.messagesPerSecond} | ${row.deliveredPerSecond} | ${row.cpuMsPerMessage} ms | ${row.redisCpuMsPerMessage} ms | ${row.redisCommandsPerMessage} | ${row.p50Ms} ms | ${row.generatorCpuMsPerMessage} ms | ${row.sealedInWindow} |\n`,
    );
  }
}

await main();
