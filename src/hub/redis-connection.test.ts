import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { connectRedis, type EmbeddedRedis } from '../redis/index.js';
import { resolveRedisTarget } from './redis-connection.js';

describe('the embedded Redis of the default set-up', () => {
  const started: EmbeddedRedis[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });

  async function embeddedUnder(dataDir: string): Promise<string> {
    const { target, embedded } = await resolveRedisTarget(loadConfig({ DATA_DIR: dataDir }));
    if (embedded) started.push(embedded);
    const client = connectRedis(target);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    return target.url ?? '';
  }

  it('listens on a private unix socket under DATA_DIR/redis', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-embedded-'));
    folders.push(dataDir);
    const url = await embeddedUnder(dataDir);
    const socket = path.join(dataDir, 'redis', 'redis.sock');
    expect(url).toBe(`redis+unix://${socket}`);
    // unixsocketperm 700: only the hub's own user may connect, and only it may read the AOF beside it.
    expect((await stat(socket)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, 'redis'))).mode & 0o777).toBe(0o700);
  });

  it('refuses to start a second Redis on a DATA_DIR whose Redis is running, and leaves the first one serving', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-embedded-'));
    folders.push(dataDir);
    await embeddedUnder(dataDir);
    await expect(resolveRedisTarget(loadConfig({ DATA_DIR: dataDir }))).rejects.toMatchObject({ code: 'REDIS_START_FAILED', message: expect.stringContaining('another hub is using this DATA_DIR') });
    const client = connectRedis({ url: `redis+unix://${path.join(dataDir, 'redis', 'redis.sock')}` });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('falls back to TCP on 127.0.0.1 when the socket path would not fit sun_path', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'isp-embedded-'));
    folders.push(base);
    const dataDir = path.join(base, 'a-folder-deep-enough-that-a-unix-socket-path-under-it-is-too-long-for-sun-path');
    expect(await embeddedUnder(dataDir)).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });

  it('uses the configured Redis and starts none when REDIS_URL is set', async () => {
    const { target, embedded } = await resolveRedisTarget(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(embedded).toBeUndefined();
    expect(target).toEqual({ url: 'redis://127.0.0.1:1' });
  });
});
