import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { syntheticAuditInput } from './bulk-load.js';
import { verifyFullLog } from './full-verify.js';
import { createAuditLog, type AuditLog } from './log.js';
import { createTestSigner } from './test-signer.js';

/**
 * Many hub processes appending to one log: one of them is the sequencer and
 * integrates every process's entries in batches, so the processes do not
 * race on the log's size, and the Redis commands an entry costs do not grow
 * with the number of processes. Each "process" here is a log with its own
 * Redis connection, standing as a sequencer candidate as a hub does.
 */
let redis: TestRedis;
let admin: Redis;
let signer: Awaited<ReturnType<typeof createTestSigner>>;
const opened: AuditLog[] = [];

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  admin = redis.connect();
  signer = await createTestSigner();
});
afterAll(async () => {
  await Promise.all(opened.map((log) => log.close()));
  await redis.stop();
});

function processes(prefix: string, count: number): AuditLog[] {
  const logs = Array.from({ length: count }, () => createAuditLog({ redis: redis.connect(), prefix, signer, standAsSequencer: true }));
  opened.push(...logs);
  return logs;
}

const SET_UP = new Set(['client', 'info', 'subscribe', 'select', 'monitor']);

/** MONITOR on a plain socket: counts the commands clients send, by name, leaving out those scripts run ("[0 lua]"). */
async function monitorCommands(): Promise<{ stop(): Promise<Map<string, number>> }> {
  const socket = connect({ port: redis.server.port as number, host: '127.0.0.1' });
  const counts = new Map<string, number>();
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\r\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!match || match[1] === 'lua') continue;
      const name = (match[2] as string).toLowerCase();
      // A connection's set-up (name, ready check, subscription) is paid once, not per entry.
      if (SET_UP.has(name)) continue;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('MONITOR\r\n');
  await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      return counts;
    },
  };
}

/**
 * `writers` callers per process, each awaiting `each` appends one after
 * another, as intake requests do. Counts the commands clients send (MONITOR,
 * leaving out the commands scripts run inside Redis), by name.
 */
async function commandsPerEntry(logs: AuditLog[], writers: number, each: number): Promise<{ perEntry: number; byCommand: Record<string, number> }> {
  const monitor = await monitorCommands();
  let position = 0;
  await Promise.all(
    logs.flatMap((log) =>
      Array.from({ length: writers }, async () => {
        for (let i = 0; i < each; i += 1) await log.append(syntheticAuditInput(position++));
      }),
    ),
  );
  const counts = await monitor.stop();
  const entries = logs.length * writers * each;
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of counts) {
    byCommand[name] = Math.round((calls / entries) * 1000) / 1000;
    total += calls;
  }
  return { perEntry: total / entries, byCommand };
}

describe('appends from many processes', () => {
  it('cost about as many Redis commands per entry with three processes as with one, and keep one verified order', async () => {
    const single = await commandsPerEntry(processes(redis.newPrefix(), 1), 16, 20);
    const double = await commandsPerEntry(processes(redis.newPrefix(), 2), 16, 20);
    const prefix = redis.newPrefix();
    const three = processes(prefix, 3);
    const shared = await commandsPerEntry(three, 16, 20);
    const shown = (name: string, measured: typeof single) => `${name} ${measured.perEntry.toFixed(3)} ${JSON.stringify(measured.byCommand)}`;
    console.log(`commands per entry, 16 writers per process: ${shown('1 process', single)}; ${shown('2', double)}; ${shown('3', shared)}`);
    // Each process sends its batch once (XADD, or the sequencer's own script call) and the sequencer stores each
    // round once, reading what was queued meanwhile in the same call: about (N + 1) / N times one process's cost
    // at the same load per process, falling as processes are added. Racing on the log's size instead cost each
    // loser a reload and a retry: 0.26 per entry with three processes, growing with every process added.
    expect(shared.perEntry).toBeLessThanOrEqual(double.perEntry * 1.25);
    expect(shared.perEntry).toBeLessThanOrEqual(single.perEntry * 2);

    expect(await three[0]!.size()).toBe(960);
    await three[1]!.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 960 });
  });

  it('hands sequencing over when the sequencer goes away, losing no entry', async () => {
    const prefix = redis.newPrefix();
    const [first, second] = processes(prefix, 2);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? first! : second!).append(syntheticAuditInput(i))));
    await first!.close();
    await second!.close();
    const [third] = processes(prefix, 1);
    const more = await Promise.all(Array.from({ length: 50 }, (_, i) => third!.append(syntheticAuditInput(50 + i))));
    expect(more.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    await third!.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 100 });
  });

  it('replaces a sequencer that died holding the lease, and integrates what was queued meanwhile', async () => {
    const prefix = redis.newPrefix();
    const deadConnection = redis.connect();
    const dying = createAuditLog({ redis: deadConnection, prefix, signer, standAsSequencer: true });
    await dying.append(syntheticAuditInput(0)); // it holds the lease now
    const [survivor] = processes(prefix, 1);
    deadConnection.disconnect(); // a crash: no release, no renewal
    const started = Date.now();
    const queued = await Promise.all(Array.from({ length: 20 }, (_, i) => survivor!.append(syntheticAuditInput(1 + i))));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(queued.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 1 + i));
    expect(survivor!.isFollower()).toBe(false);
    await survivor!.checkpoint();
    expect(await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 21 });
    await dying.close().catch(() => undefined);
  }, 20_000);

  it('a process that does not stand as sequencer takes the lease itself when the holder its appends wait on has gone', async () => {
    const prefix = redis.newPrefix();
    // A hub that crashed holding the lease, and no candidate up: only a CLI command appends.
    await admin.set(`${prefix}:audit:sequencer`, 'crashed-holder', 'PX', 1500);
    const command = createAuditLog({ redis: redis.connect(), prefix, signer });
    opened.push(command);
    const started = Date.now();
    const entries = await command.appendMany([syntheticAuditInput(1), syntheticAuditInput(2)]);
    // Once the lease ran out, not after the append's ten-second give-up.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(entries.map((entry) => entry.seq)).toEqual([0, 1]);
    expect(await command.size()).toBe(2);
  });

  it('writes a message\'s entries once however often its append is retried', async () => {
    const prefix = redis.newPrefix();
    const [one, other] = processes(prefix, 2);
    const entries = [syntheticAuditInput(1), syntheticAuditInput(2)];
    const first = await one!.appendMany(entries, { once: 'msg-1' });
    const again = await other!.appendMany(entries, { once: 'msg-1' });
    const third = await one!.appendMany(entries, { once: 'msg-1' });
    expect(await one!.size()).toBe(2);
    expect(again.map((entry) => entry.id)).toEqual(first.map((entry) => entry.id));
    expect(third.map((entry) => entry.seq)).toEqual([0, 1]);
    await one!.appendMany(entries, { once: 'msg-2' });
    expect(await one!.size()).toBe(4);
  });

  it('refuses a batch past the queue limit while nobody integrates, stores none of it, and takes the same append once the queue drains', async () => {
    const prefix = redis.newPrefix();
    const queue = `${prefix}:audit:queue`;
    // A sequencer that holds the lease and integrates nothing (stalled, or a CLI that took it and hung).
    await admin.set(`${prefix}:audit:sequencer`, 'stalled-holder', 'PX', 60_000);
    const follower = createAuditLog({ redis: redis.connect(), prefix, signer, standAsSequencer: true, maxQueuedBatches: 2 });
    opened.push(follower);
    const waiting = [];
    for (let position = 1; position <= 2; position += 1) {
      waiting.push(follower.append(syntheticAuditInput(position)));
      await until(async () => (await admin.xlen(queue)) === position);
    }

    const third = [syntheticAuditInput(3)];
    await expect(follower.appendMany(third, { once: 'msg-3' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { queuedBatches: 2, maxQueuedBatches: 2, retryAfterSeconds: expect.any(Number) },
    });
    expect(await admin.xlen(queue)).toBe(2);
    expect(await follower.size()).toBe(0);

    // The holder goes: the follower takes the lease, integrates what was queued, and the retry goes in once.
    await admin.del(`${prefix}:audit:sequencer`);
    expect((await Promise.all(waiting)).map((entry) => entry.seq).sort()).toEqual([0, 1]);
    const retried = await follower.appendMany(third, { once: 'msg-3' });
    expect(retried.map((entry) => entry.seq)).toEqual([2]);
    expect(await follower.appendMany(third, { once: 'msg-3' })).toEqual(retried);
    expect(await follower.size()).toBe(3);
    expect(await admin.xlen(queue)).toBe(0);
  }, 20_000);
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
