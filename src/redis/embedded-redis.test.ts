import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubError } from '../errors.js';
import { totalmem } from 'node:os';
import { connectRedis, embeddedMaxMemoryBytes, keyspace, startEmbeddedRedis, type EmbeddedRedis } from './index.js';

const started: EmbeddedRedis[] = [];
const folders: string[] = [];
async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'isp-redis-test-'));
  folders.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('embedded redis-server launcher', () => {
  it('starts on a free port with AOF on and noeviction, and keeps data across a restart', async () => {
    const dataDir = await newDataDir();
    const first = await startEmbeddedRedis({ dataDir });
    started.push(first);
    const client = connectRedis({ url: first.url });
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    await client.set('durable', 'yes');
    await client.quit();
    await first.stop();
    started.pop();
    expect((await readdir(dataDir)).some((name) => name.startsWith('appendonly'))).toBe(true);

    const second = await startEmbeddedRedis({ dataDir });
    started.push(second);
    const again = connectRedis({ url: second.url });
    expect(await again.get('durable')).toBe('yes');
    await again.quit();
  });

  it('sets maxmemory from the machine (half its memory, at least 256 MiB), or as asked, so Redis cannot grow without bound', async () => {
    const MIB = 1024 * 1024;
    expect(embeddedMaxMemoryBytes(16 * 1024 * MIB)).toBe(8 * 1024 * MIB);
    expect(embeddedMaxMemoryBytes(300 * MIB)).toBe(256 * MIB);
    const byMachine = await startEmbeddedRedis({ dataDir: await newDataDir(), appendOnly: false });
    started.push(byMachine);
    const asked = await startEmbeddedRedis({ dataDir: await newDataDir(), appendOnly: false, maxMemoryBytes: 64 * MIB });
    started.push(asked);
    const [machineClient, askedClient] = [connectRedis({ url: byMachine.url }), connectRedis({ url: asked.url })];
    expect(await machineClient.config('GET', 'maxmemory')).toEqual(['maxmemory', String(embeddedMaxMemoryBytes(totalmem()))]);
    expect(await askedClient.config('GET', 'maxmemory')).toEqual(['maxmemory', String(64 * MIB)]);
    await Promise.all([machineClient.quit(), askedClient.quit()]);
  });

  it('listens on a unix socket when asked', async () => {
    const server = await startEmbeddedRedis({ dataDir: await newDataDir(), unixSocket: true });
    started.push(server);
    expect(server.url.startsWith('redis+unix://')).toBe(true);
    const client = connectRedis({ url: server.url });
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('says how to install redis-server when the binary is missing', async () => {
    const attempt = startEmbeddedRedis({ dataDir: await newDataDir(), binary: 'redis-server-that-does-not-exist' });
    await expect(attempt).rejects.toBeInstanceOf(HubError);
    await expect(attempt).rejects.toMatchObject({ code: 'REDIS_NOT_INSTALLED', message: expect.stringContaining('REDIS_URL') });
  });

  it('stop() may be called twice', async () => {
    const server = await startEmbeddedRedis({ dataDir: await newDataDir() });
    await server.stop();
    await server.stop();
  });
});

describe('keyspace', () => {
  it('puts every key under the hash-tag prefix', () => {
    expect(keyspace('{isp}')('audit', 'log')).toBe('{isp}:audit:log');
    expect(keyspace('{isp}:')('x')).toBe('{isp}:x');
  });
});
