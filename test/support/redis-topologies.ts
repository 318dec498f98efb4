import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { findFreePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/index.js';

/**
 * Replicated Redis set-ups for tests, made of real redis-server processes
 * started through the project's launcher on free ports: a Sentinel set
 * (one primary, replicas, three sentinels) and a Cluster of primaries. One
 * set per test file: start it in beforeAll, stop it in afterAll.
 */

const run = promisify(execFile);
export const SENTINEL_NAME = 'isp';

export interface RedisNode {
  port: number;
  server: EmbeddedRedis;
  dataDir: string;
}

export interface SentinelSet {
  /** host:port of each sentinel, as REDIS_SENTINELS takes them. */
  sentinels: string[];
  name: string;
  primary: RedisNode;
  replicas: RedisNode[];
  /** The port the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** SIGSTOP: the process keeps its sockets but answers nothing, like a replica behind a stalled link. */
  stall(node: RedisNode): void;
  resume(node: RedisNode): void;
  /** kill -9 of the node. */
  kill(node: RedisNode): Promise<void>;
  /** Starts a killed node again on its port and data folder; the sentinels make it a replica of the primary they elected. */
  restart(node: RedisNode): Promise<void>;
  /** Waits until the sentinels name another primary than `port` and it accepts writes. */
  waitForFailover(port: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startSentinelSet(options: { replicas?: number } = {}): Promise<SentinelSet> {
  const root = await mkdtemp(path.join(tmpdir(), 'isp-hub-sentinel-'));
  const nodes: RedisNode[] = [];
  const sentinels: EmbeddedRedis[] = [];
  const nodeArgs = ['--repl-diskless-sync', 'no'];
  const startNode = async (name: string, extraArgs: string[] = []): Promise<RedisNode> => {
    const dataDir = path.join(root, name);
    const port = await findFreePort();
    const server = await startEmbeddedRedis({ dataDir, port, extraArgs: [...nodeArgs, ...extraArgs] });
    const node = { port, server, dataDir };
    nodes.push(node);
    return node;
  };
  try {
    const primary = await startNode('primary');
    const replicas: RedisNode[] = [];
    for (let index = 0; index < (options.replicas ?? 1); index += 1) {
      replicas.push(await startNode(`replica-${index}`, ['--replicaof', '127.0.0.1', String(primary.port)]));
    }
    for (const replica of replicas) await waitForReplication(replica.port);
    for (let index = 0; index < 3; index += 1) {
      const dataDir = path.join(root, `sentinel-${index}`);
      const configFile = path.join(root, `sentinel-${index}.conf`);
      await writeFile(
        configFile,
        [
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 4000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(await startEmbeddedRedis({ dataDir, port: await findFreePort(), sentinelConfigFile: configFile }));
    }
    const sentinelAddresses = sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`);
    await waitUntil(async () => (await sentinelsKnowingReplicas(sentinels, replicas.length)) === sentinels.length, 15_000, 'the sentinels to see every replica');

    const primaryPort = async (): Promise<number> => {
      for (const sentinel of sentinels) {
        const client = new Redis({ port: sentinel.port as number, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as [string, string];
          return Number(port);
        } catch {
          // try the next sentinel
        } finally {
          client.disconnect();
        }
      }
      throw new Error('no sentinel answered');
    };
    return {
      sentinels: sentinelAddresses,
      name: SENTINEL_NAME,
      primary,
      replicas,
      primaryPort,
      stall: (node) => void process.kill(node.server.pid, 'SIGSTOP'),
      resume: (node) => void process.kill(node.server.pid, 'SIGCONT'),
      kill: (node) => node.server.kill(),
      async restart(node) {
        node.server = await startEmbeddedRedis({ dataDir: node.dataDir, port: node.port, extraArgs: nodeArgs });
      },
      async waitForFailover(port, timeoutMs = 30_000) {
        let promoted = port;
        await waitUntil(
          async () => {
            promoted = await primaryPort();
            return promoted !== port && (await isWritablePrimary(promoted));
          },
          timeoutMs,
          'a replica to be promoted',
        );
        return promoted;
      },
      async stop() {
        for (const node of nodes) {
          try {
            process.kill(node.server.pid, 'SIGCONT');
          } catch {
            // already gone (a test killed it)
          }
        }
        await Promise.all([...sentinels, ...nodes.map((node) => node.server)].map((server) => server.kill().catch(() => undefined)));
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...sentinels, ...nodes.map((node) => node.server)].map((server) => server.kill().catch(() => undefined)));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

export interface TestCluster {
  /** host:port of every primary, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `primaries` primaries (no replicas) made with `redis-cli --cluster create`. */
export async function startTestCluster(options: { primaries?: number } = {}): Promise<TestCluster> {
  const root = await mkdtemp(path.join(tmpdir(), 'isp-hub-cluster-'));
  const servers: EmbeddedRedis[] = [];
  try {
    for (let index = 0; index < (options.primaries ?? 3); index += 1) {
      const dataDir = path.join(root, `node-${index}`);
      servers.push(
        await startEmbeddedRedis({
          dataDir,
          port: await findFreePort(),
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dataDir, 'nodes.conf'), '--cluster-node-timeout', '2000'],
        }),
      );
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitUntil(async () => (await Promise.all(servers.map((server) => clusterStateOk(server.port as number)))).every(Boolean), 20_000, 'the cluster to be ok');
    return {
      nodes,
      async stop() {
        await Promise.all(servers.map((server) => server.kill().catch(() => undefined)));
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill().catch(() => undefined)));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function withClient<T>(port: number, work: (client: Redis) => Promise<T>, fallback: T): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } catch {
    return fallback;
  } finally {
    client.disconnect();
  }
}

function clusterStateOk(port: number): Promise<boolean> {
  return withClient(port, async (client) => String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), false);
}

function isWritablePrimary(port: number): Promise<boolean> {
  return withClient(port, async (client) => (await client.info('replication')).includes('role:master'), false);
}

async function waitForReplication(port: number): Promise<void> {
  await waitUntil(() => withClient(port, async (client) => (await client.info('replication')).includes('master_link_status:up'), false), 15_000, `replica on ${port} to sync`);
}

async function sentinelsKnowingReplicas(sentinels: EmbeddedRedis[], replicas: number): Promise<number> {
  const counts = await Promise.all(
    sentinels.map((sentinel) =>
      withClient(
        sentinel.port as number,
        async (client) => {
          const known = (await client.call('SENTINEL', 'replicas', SENTINEL_NAME)) as unknown[];
          const others = (await client.call('SENTINEL', 'sentinels', SENTINEL_NAME)) as unknown[];
          return known.length >= replicas && others.length >= 2;
        },
        false,
      ),
    ),
  );
  return counts.filter(Boolean).length;
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
