import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditCheckpointCheck, certificateExpiryCheck, createMetricsServer, redisPingCheck, workersCheck, type RouteModule } from '../../src/http/index.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, testHubKey, type TestHub, type TestScheme } from './support/hub-fixture.js';

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;

const describedRoutes: RouteModule = (router, deps) => {
  const params = z.object({ id: z.string().regex(/^msg_[0-9a-z]{10,40}$/) });
  const answer = z.object({ id: z.string(), state: z.enum(['queued', 'delivered']) });
  router.get('/v1/things/:id', (req, res) => res.json({ id: req.params.id, state: 'queued' }));
  deps.registerOperation({
    method: 'get',
    path: '/v1/things/:id',
    summary: 'A thing',
    request: { params, query: z.object({ verbose: z.enum(['yes', 'no']).optional() }) },
    responses: { 200: { description: 'The thing', schema: answer } },
  });
};

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
  const client = redis.connect();
  hub = await startTestHub({
    scheme,
    redis: client,
    keyPrefix: redis.newPrefix(),
    routes: { agency: [describedRoutes] },
    health: [
      redisPingCheck(client),
      workersCheck(async () => 2),
      auditCheckpointCheck(async () => new Date(Date.now() - 5_000), 30),
      certificateExpiryCheck(async () => [{ name: 'hub-tls', certificate: scheme.hubTls.x509 }]),
    ],
    hubKeys: [await testHubKey(scheme, 'sig-2026-01', 'sig'), await testHubKey(scheme, 'sig-2026-02', 'sig'), await testHubKey(scheme, 'enc-2026-01', 'enc')],
  });
});
afterAll(async () => {
  await hub?.close();
  await redis?.stop();
});

describe('/health', () => {
  it('answers 200 with each check when all pass, without a client certificate', async () => {
    const response = await call(hub, scheme, { path: '/health' });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      checks: {
        redis: { status: 'ok' },
        workers: { status: 'ok', detail: { alive: 2 } },
        auditCheckpoint: { status: 'ok' },
        certificates: { status: 'ok', detail: { expiring: [] } },
      },
    });
  });

  it('answers 503 when a check fails, and warns about certificates expiring within 30 days', async () => {
    const soon = await scheme.ca.issue({ commonName: 'isp-hub-signing', usage: 'server', notAfter: new Date(Date.now() + 10 * 86_400_000) });
    const deadRedis = await startTestRedis({ appendOnly: false });
    const deadClient = deadRedis.connect();
    deadClient.on('error', () => undefined);
    await deadRedis.server.stop();
    const sick = await startTestHub({
      scheme,
      redis: redis.connect(),
      keyPrefix: redis.newPrefix(),
      health: [
        redisPingCheck(deadClient),
        workersCheck(async () => 0),
        auditCheckpointCheck(async () => new Date(Date.now() - 3_600_000), 30),
        certificateExpiryCheck(async () => [{ name: 'hub-signing', certificate: soon.x509 }]),
      ],
    });
    try {
      const response = await call(sick, scheme, { path: '/health' });
      expect(response.status).toBe(503);
      const body = response.json();
      expect(body.status).toBe('fail');
      expect(body.checks.redis.status).toBe('fail');
      expect(body.checks.workers).toEqual({ status: 'fail', detail: { alive: 0, minimum: 1 } });
      expect(body.checks.auditCheckpoint.status).toBe('fail');
      expect(body.checks.certificates).toMatchObject({ status: 'warn', detail: { expiring: [{ name: 'hub-signing', daysLeft: expect.any(Number) }] } });
      expect(body.checks.certificates.detail.expiring[0].daysLeft).toBeLessThan(30);
    } finally {
      deadClient.disconnect();
      await sick.close();
      await deadRedis.stop();
    }
  });
});

describe('/metrics', () => {
  it('is not served on the API port: without a certificate it is any unknown path (401), with one 404', async () => {
    const anonymous = await call(hub, scheme, { path: '/metrics' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('isp_hub_');
  });

  it('serves the Prometheus text format with the hub metrics on its own listener, including the queue depth callback', async () => {
    const { metrics } = hub.deps;
    metrics.messageReceived({ type: 'arrest-notification', outcome: 'accepted' });
    metrics.policyDecision({ rule: 'police-to-probation-arrest', decision: 'permit' });
    metrics.observeDeliveryLatency({ mode: 'push' }, 0.012);
    metrics.deadLetter({ type: 'release-notice' });
    metrics.observeAuditAppend(0.0008);
    metrics.setQueueDepthSource(async () => [{ queue: 'delivery', state: 'waiting', depth: 7 }]);
    const server = createMetricsServer({ metrics, host: '127.0.0.1', port: 0 });
    const { url } = await server.listen();
    const fetched = await fetch(url).finally(() => undefined);
    const response = { status: fetched.status, contentType: fetched.headers.get('content-type') ?? '', text: await fetched.text() };
    await server.close();
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[-+]?[0-9]+)?|NaN|[+-]Inf)$/;
    const lines = response.text.split('\n').filter((line) => line.length > 0);
    for (const line of lines) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      expect(line).toMatch(sample);
    }
    expect(lines).toContain('isp_hub_messages_total{type="arrest-notification",outcome="accepted"} 1');
    expect(lines).toContain('isp_hub_policy_decisions_total{rule="police-to-probation-arrest",decision="permit"} 1');
    expect(lines).toContain('isp_hub_delivery_latency_seconds_count{mode="push"} 1');
    expect(lines).toContain('isp_hub_dead_letters_total{type="release-notice"} 1');
    expect(lines).toContain('isp_hub_audit_append_seconds_count 1');
    expect(lines).toContain('isp_hub_queue_depth{queue="delivery",state="waiting"} 7');
    expect(lines).toContain('# TYPE isp_hub_http_request_duration_seconds histogram');
  });
});

describe('/.well-known/jwks.json', () => {
  it('publishes every live key, public half only, with kid, use, alg, x5c and x5t#S256', async () => {
    const response = await call(hub, scheme, { path: '/.well-known/jwks.json' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    const { keys } = response.json() as { keys: Array<Record<string, unknown> & { x5c: string[] }> };
    expect(keys.map((key) => [key.kid, key.use, key.alg])).toEqual([
      ['sig-2026-01', 'sig', 'ES256'],
      ['sig-2026-02', 'sig', 'ES256'],
      ['enc-2026-01', 'enc', 'ECDH-ES+A256KW'],
    ]);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256' });
      const leaf = new X509Certificate(Buffer.from(key.x5c[0] ?? '', 'base64'));
      expect(key['x5t#S256']).toBe(createHash('sha256').update(leaf.raw).digest('base64url'));
      expect(key.x5c).toHaveLength(2);
      const fromJwk = createPublicKey({ key: key as never, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      expect(fromJwk.equals(leaf.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    }
  });
});

describe('/openapi.json', () => {
  it('documents the service endpoints and the operations route modules register, from their zod schemas', async () => {
    const response = await call(hub, scheme, { path: '/openapi.json' });
    expect(response.status).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/.well-known/jwks.json', '/openapi.json', '/v1/things/{id}']));
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    const operation = document.paths['/v1/things/{id}'].get;
    expect(operation.security).toEqual([{ mtls: [] }]);
    expect(operation.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^msg_[0-9a-z]{10,40}$' } },
      { name: 'verbose', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
    expect(operation.responses['200'].content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { state: { enum: ['queued', 'delivered'] } },
      required: ['id', 'state'],
    });
    expect(operation.responses.default.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(document.paths['/health'].get.security).toEqual([]);
    expect(document.components.securitySchemes.mtls.type).toBe('mutualTLS');
  });
});
