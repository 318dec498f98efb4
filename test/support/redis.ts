import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/index.js';

export interface TestRedis {
  server: EmbeddedRedis;
  url: string;
  /** A fresh `{hash tag}` prefix per call, so tests never see each other's keys. */
  newPrefix(): string;
  connect(): Redis;
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a free port for one test file, through the
 * project's own launcher. Call `stop()` in afterAll.
 */
export async function startTestRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-redis-'));
  const server = await startEmbeddedRedis({ dataDir, appendOnly: options.appendOnly ?? true });
  const opened: Redis[] = [];
  return {
    server,
    url: server.url,
    newPrefix: () => `{t${randomBytes(6).toString('hex')}}`,
    connect: () => {
      const client = connectRedis({ url: server.url }) as Redis;
      opened.push(client);
      return client;
    },
    stop: async () => {
      await Promise.all(opened.map((client) => client.quit().catch(() => undefined)));
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `action` while Redis refuses `command` to the default user (an ACL
 * rule), as a Redis that fails part-way through a request would: the steps
 * before the command succeed, the one that needs it fails.
 */
export async function whileRedisRefuses<T>(admin: Redis, command: string, action: () => Promise<T>): Promise<T> {
  await admin.call('ACL', 'SETUSER', 'default', `-${command}`);
  try {
    return await action();
  } finally {
    await admin.call('ACL', 'SETUSER', 'default', `+${command}`);
  }
}
