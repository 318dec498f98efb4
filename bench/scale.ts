/**
 * npm run bench:scale: does adding API processes keep throughput?
 *
 * Starts one redis-server (AOF on), one delivery worker and 1, 2, then 3
 * API processes (all from the same DATA_DIR and configuration, as a
 * deployment runs them), with nv-probation's webhook receiver in this
 * process. A closed loop of --concurrency senders spreads arrest
 * notifications round-robin over the API processes for --seconds, after a
 * warm-up that is not counted. For each count it prints messages per
 * second, hub CPU per message (user + system time of every hub process, from
 * /proc) and Redis commands per message (INFO stats; commands scripts run
 * inside Redis count too).
 *
 * With --wait it then runs one API process against a primary with one
 * replica, REDIS_MIN_REPLICAS_ACK 0 and then 1, to show what waiting for the
 * replica (Redis WAIT) costs.
 *
 * Options: --seconds N (10) --warmup-seconds N (3) --concurrency N (24) --max N (3) --wait
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
import { copyPolicies, startReceiver, type TestReceiver } from '../test/support/hub.js';
import { startHubProcess, type HubProcess } from '../test/support/hub-process.js';

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
const withWait = argv.includes('--wait');

interface Row {
  label: string;
  messagesPerSecond: number;
  cpuMsPerMessage: number;
  redisCommandsPerMessage: number;
  p50Ms: number;
}

/** user + system CPU of a process so far, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

async function runDeployment(label: string, apiCount: number, redisUrl: string, env: Record<string, string>): Promise<Row> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-scale-'));
  const receiver = await startReceiver('nv-probation');
  const policyDir = await copyPolicies(dataDir, { 'nv-probation': receiver.url });
  const prefix = `{scale${apiCount}${Date.now() % 100000}}`;
  const common = { redisUrl, prefix, dataDir, policyDir, env: { LOG_LEVEL: 'error', AUDIT_CHECKPOINT_SECONDS: '10', ...env } };
  const hubs: HubProcess[] = [];
  try {
    // One at a time: the first creates the local secrets every later one reads from the same DATA_DIR.
    hubs.push(await startHubProcess({ ...common, port: await findFreePort(), env: { ...common.env, HUB_ROLE: 'worker', PORT: '0' } }));
    for (let index = 0; index < apiCount; index += 1) hubs.push(await startHubProcess({ ...common, port: await findFreePort(), env: { ...common.env, HUB_ROLE: 'api' } }));
    const apis = hubs.slice(1);
    receiver.bind(await apis[0]!.client('nv-probation'));
    const clients: AgencyClient[] = await Promise.all(apis.map((hub) => hub.client('nv-police')));
    const message = await example('arrest-notification');
    const redis = new Redis(redisUrl);
    let sequence = 0;
    let counting = false;
    let sent = 0;
    const latencies: number[] = [];
    let stop = false;
    const sender = async (slot: number) => {
      while (!stop) {
        const client = clients[(sequence + slot) % clients.length] as AgencyClient;
        const { jwe } = await client.sealForHub(message as never, `scale-${apiCount}-${sequence++}`);
        const started = performance.now();
        const response = await client.request('POST', '/v1/messages', jwe);
        if (response.status !== 202) throw new Error(`the hub answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
        if (counting) {
          sent += 1;
          latencies.push(performance.now() - started);
        }
      }
    };
    const senders = Array.from({ length: concurrency }, (_, slot) => sender(slot));
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
    const cpuBefore = await Promise.all(hubs.map((hub) => cpuMs(hub.pid)));
    const commandsBefore = await commandsProcessed(redis);
    counting = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    counting = false;
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = await Promise.all(hubs.map((hub) => cpuMs(hub.pid)));
    const commandsAfter = await commandsProcessed(redis);
    stop = true;
    await Promise.all(senders);
    redis.disconnect();
    clients.forEach((client) => client.close());
    latencies.sort((a, b) => a - b);
    const cpu = cpuAfter.reduce((sum, value, index) => sum + value - (cpuBefore[index] ?? 0), 0);
    return {
      label,
      messagesPerSecond: Math.round(sent / elapsed),
      cpuMsPerMessage: Math.round((cpu / Math.max(1, sent)) * 100) / 100,
      redisCommandsPerMessage: Math.round(((commandsAfter - commandsBefore) / Math.max(1, sent)) * 10) / 10,
      p50Ms: Math.round((latencies[Math.floor(latencies.length / 2)] ?? 0) * 10) / 10,
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
    for (let count = 1; count <= maxProcesses; count += 1) {
      rows.push(await runDeployment(`${count} API process${count > 1 ? 'es' : ''} + 1 worker`, count, primary.url, {}));
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
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
  process.stdout.write(`\nbench:scale: ${seconds} s per run after ${warmupSeconds} s warm-up, ${concurrency} senders\n\n`);
  process.stdout.write('| deployment | msg/s | hub CPU per message | Redis commands per message | p50 |\n|---|---|---|---|---|\n');
  for (const row of rows) process.stdout.write(`| ${row.label} | ${row.messagesPerSecond} | ${row.cpuMsPerMessage} ms | ${row.redisCommandsPerMessage} | ${row.p50Ms} ms |\n`);
}

await main();
