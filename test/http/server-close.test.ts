import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../src/http/index.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, type TestScheme } from './support/hub-fixture.js';

let redis: TestRedis;
let scheme: TestScheme;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
});
afterAll(async () => {
  await redis?.stop();
});

function slowRoutes(): { module: RouteModule; entered: Promise<void>; release: () => void } {
  let release = () => {};
  let entered = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  return {
    entered: enteredPromise,
    release: () => release(),
    module: (router) => {
      router.get('/v1/slow', async (_req, res) => {
        entered();
        await released;
        res.json({ done: true });
      });
    },
  };
}

describe('graceful close', () => {
  it('stops accepting, lets an in-flight request finish with Connection: close, and may be called twice', async () => {
    const slow = slowRoutes();
    const hub = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix(), routes: { agency: [slow.module] }, closeGraceMs: 5000 });
    const inFlight = call(hub, scheme, { path: '/v1/slow', client: scheme.police });
    await slow.entered;
    const firstClose = hub.close();
    const secondClose = hub.close();
    await expect(call(hub, scheme, { path: '/v1/whoami', client: scheme.police })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    slow.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ done: true });
    expect(response.headers.connection).toBe('close');
    await Promise.all([firstClose, secondClose]);
    await hub.close();
  });

  it('cuts requests still running when the grace period ends', async () => {
    const slow = slowRoutes();
    const hub = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix(), routes: { agency: [slow.module] }, closeGraceMs: 300 });
    const inFlight = call(hub, scheme, { path: '/v1/slow', client: scheme.police });
    await slow.entered;
    const started = Date.now();
    await hub.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    slow.release();
  });
});
