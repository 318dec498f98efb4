import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/support/redis-topologies.js';
import { connectRedis } from './connect.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { createReplicaAck } from './replica-ack.js';

/** A real primary and replica: WAIT answers once the replica has the writes, and not while it is stalled. */
let folder: string;
let primary: EmbeddedRedis;
let replica: EmbeddedRedis;
const opened: Redis[] = [];

function connect(): Redis {
  const client = connectRedis({ url: primary.url }) as Redis;
  opened.push(client);
  return client;
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'isp-hub-replica-ack-'));
  primary = await startEmbeddedRedis({ dataDir: path.join(folder, 'primary'), appendOnly: false });
  replica = await startEmbeddedRedis({ dataDir: path.join(folder, 'replica'), appendOnly: false, extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const probe = new Redis(replica.url);
  await waitUntil(async () => (await probe.info('replication')).includes('master_link_status:up'), 15_000, 'the replica to sync');
  probe.disconnect();
}, 30_000);
afterAll(async () => {
  process.kill(replica.pid, 'SIGCONT');
  opened.forEach((client) => client.disconnect());
  await replica.stop();
  await primary.stop();
  await rm(folder, { recursive: true, force: true });
});

/** WAIT commands Redis has run (INFO commandstats). */
async function waitCalls(): Promise<number> {
  return Number(/cmdstat_wait:calls=(\d+)/.exec(await connect().info('commandstats'))?.[1] ?? 0);
}

describe('waiting for replicas', () => {
  it('resolves once the replica holds the writes made before, sharing one WAIT among callers that arrive together', async () => {
    const writer = connect();
    const ack = createReplicaAck({ connection: connect(), counterKey: '{ack}:counter', minReplicas: 1, timeoutMs: 2000 });
    await writer.set('{ack}:written', 'before');
    const waitsBefore = await waitCalls();
    await Promise.all(Array.from({ length: 50 }, () => ack.afterWrites()));
    expect((await waitCalls()) - waitsBefore).toBeLessThanOrEqual(2);
    const reader = new Redis(replica.url);
    expect(await reader.get('{ack}:written')).toBe('before');
    reader.disconnect();
  });

  it('answers UNAVAILABLE when the replica does not acknowledge in time', async () => {
    const ack = createReplicaAck({ connection: connect(), counterKey: '{ack}:counter', minReplicas: 1, timeoutMs: 200 });
    process.kill(replica.pid, 'SIGSTOP');
    try {
      await connect().set('{ack}:written', 'while-stalled');
      await expect(ack.afterWrites()).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503, details: { replicasWanted: 1, replicasAcknowledged: 0 } });
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
    await expect(ack.afterWrites()).resolves.toBeUndefined();
  });

  it('waits for nothing with no replicas wanted', async () => {
    const ack = createReplicaAck({ connection: connect(), counterKey: '{ack}:counter', minReplicas: 0, timeoutMs: 10 });
    await expect(ack.afterWrites()).resolves.toBeUndefined();
  });
});
