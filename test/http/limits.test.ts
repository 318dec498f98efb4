import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/e2e.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, type TestHub, type TestScheme } from './support/hub-fixture.js';

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
  hub = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix() });
});
afterAll(async () => {
  await hub?.close();
  await redis?.stop();
});

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('bodies', () => {
  it('accepts a JSON body within the limits', async () => {
    const response = await call(hub, scheme, { path: '/v1/echo-json', client: scheme.police, ...json({ a: [1, { b: 2 }] }) });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ received: { a: [1, { b: 2 }] } });
  });

  it('refuses a body over ENVELOPE_MAX_BYTES with 413 BODY_TOO_LARGE, announced or streamed', async () => {
    const big = 'x'.repeat(5000);
    const announced = await call(hub, scheme, { path: '/v1/echo-jose', client: scheme.police, method: 'POST', headers: { 'content-type': 'application/jose' }, body: big });
    expect(announced.status).toBe(413);
    expect(announced.json().error.code).toBe('BODY_TOO_LARGE');
    expect(announced.headers.connection).toBe('close');
    const streamed = await call(hub, scheme, {
      path: '/v1/echo-jose',
      client: scheme.police,
      method: 'POST',
      headers: { 'content-type': 'application/jose', 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('answers 415 for the wrong media type, a foreign charset or a compressed body', async () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    ];
    for (const headers of cases) {
      const response = await call(hub, scheme, { path: '/v1/echo-json', client: scheme.police, method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(415);
      expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const jose = await call(hub, scheme, { path: '/v1/echo-jose', client: scheme.police, ...json({}) });
    expect(jose.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses JSON nested past MAX_JSON_DEPTH with 400 JSON_TOO_DEEP, however deep', async () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const ok = await call(hub, scheme, { path: '/v1/echo-json', client: scheme.police, method: 'POST', headers: { 'content-type': 'application/json' }, body: nested(8) });
    expect(ok.status).toBe(200);
    for (const depth of [9, 2000]) {
      const response = await call(hub, scheme, { path: '/v1/echo-json', client: scheme.police, method: 'POST', headers: { 'content-type': 'application/json' }, body: nested(depth) });
      expect(response.status).toBe(400);
      expect(response.json().error.code).toBe('JSON_TOO_DEEP');
    }
  });

  it('answers 400 BAD_REQUEST for invalid JSON without echoing it', async () => {
    const response = await call(hub, scheme, { path: '/v1/echo-json', client: scheme.police, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": Alex Testperson' });
    expect(response.status).toBe(400);
    expect(response.json().error.code).toBe('BAD_REQUEST');
    expect(response.text).not.toContain('Testperson');
  });
});

describe('per-agency rate limit (Redis)', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the limit, per agency, shared by hubs on one Redis', async () => {
    const prefix = redis.newPrefix();
    const first = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: prefix, rateLimit: 3 });
    const second = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: prefix, rateLimit: 3 });
    try {
      const statuses = [];
      for (const target of [first, second, first]) statuses.push((await call(target, scheme, { path: '/v1/whoami', client: scheme.police })).status);
      expect(statuses).toEqual([200, 200, 200]);
      const limited = await call(second, scheme, { path: '/v1/whoami', client: scheme.police });
      expect(limited.status).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another agency has its own budget.
      expect((await call(first, scheme, { path: '/v1/whoami', client: scheme.yot })).status).toBe(200);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('timeouts', () => {
  let slow: TestHub;
  beforeAll(async () => {
    slow = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix(), config: { HEADERS_TIMEOUT_MS: 400, REQUEST_TIMEOUT_MS: 800 } });
  });
  afterAll(async () => {
    await slow?.close();
  });

  function rawExchange(lines: string): Promise<{ text: string; elapsedMs: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = connect({ host: '127.0.0.1', port: slow.port, ca: scheme.ca.certPem, cert: scheme.police.certPem, key: scheme.police.keyPem, servername: 'localhost' }, () => {
        socket.write(lines);
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve({ text, elapsedMs: Date.now() - started }));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 5000).unref();
    });
  }

  it('answers 408 REQUEST_TIMEOUT when the headers do not arrive in time', async () => {
    const { text, elapsedMs } = await rawExchange('GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('REQUEST_TIMEOUT');
    expect(elapsedMs).toBeLessThan(4000);
  });

  it('answers 408 REQUEST_TIMEOUT when the body does not arrive in time', async () => {
    const { text } = await rawExchange(
      'POST /v1/echo-json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"REQUEST_TIMEOUT"');
  });
});

describe('hygiene', () => {
  it('sends helmet security headers and no x-powered-by', async () => {
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme.police });
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('answers a bug with 500 INTERNAL and no stack or detail, logged by name with the request id', async () => {
    const response = await call(hub, scheme, { path: '/v1/boom', client: scheme.police, headers: { 'x-request-id': 'req-boom-000001' } });
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(response.text).not.toMatch(/secret|internal\.ts|at /);
    const line = hub.logLines().find((entry) => entry.message === 'unhandled error' && entry.requestId === 'req-boom-000001');
    expect(line).toMatchObject({ level: 'error', error: { name: 'Error' } });
    expect(JSON.stringify(hub.logLines())).not.toContain('secret detail');
  });

  it('echoes a safe inbound request id, replaces an unsafe one, and puts it on every log line of the request', async () => {
    const kept = await call(hub, scheme, { path: '/v1/whoami', client: scheme.police, headers: { 'x-request-id': 'agency-trace-12345' } });
    expect(kept.headers['x-request-id']).toBe('agency-trace-12345');
    const replaced = await call(hub, scheme, { path: '/v1/whoami', client: scheme.police, headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await call(hub, scheme, { path: '/v1/whoami', headers: { 'x-request-id': 'refused-trace-123' } });
    expect(refused.headers['x-request-id']).toBe('refused-trace-123');
    // The access line is written when the response has finished, which may be just after the client has it.
    const lines = await eventually(() => {
      const found = hub.logLines().filter((entry) => entry.requestId === 'refused-trace-123');
      return found.length >= 2 ? found : undefined;
    }, 5000, 'the access log line of the refused request');
    expect(lines.map((entry) => entry.message)).toEqual(['request refused', 'http request']);
    expect(lines[1]).toMatchObject({ status: 401, path: '/v1/whoami', method: 'GET' });
    const access = hub.logLines().find((entry) => entry.requestId === 'agency-trace-12345');
    expect(access).toMatchObject({ message: 'http request', agency: 'nv-police', status: 200 });
  });

  it('answers 404 NOT_FOUND as JSON for an unknown route', async () => {
    const response = await call(hub, scheme, { path: '/v1/nothing-here?name=Alex', client: scheme.police });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
    expect(JSON.stringify(hub.logLines())).not.toContain('name=Alex');
  });
});
