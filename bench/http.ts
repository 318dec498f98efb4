/**
 * The HTTP layer's own cost: requests per second and latency through mutual
 * TLS with keep-alive, identity (real pki trust store + registry), the Redis
 * rate limiter and a 2 KiB application/jose body, with a no-op handler.
 * Loopback only; runs for a fixed time and stops by itself.
 * Run: npx tsx bench/http.ts [--seconds 5] [--connections 16] [--json]
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import {
  agencyOf,
  createAgencyIdentifier,
  createApp,
  createHubMetrics,
  createHubServer,
  createRedisRateLimiter,
} from '../src/http/index.js';
import { createLogger } from '../src/logger.js';
import { createTrustStore, openRevocationList, readCertificatePem } from '../src/pki/index.js';
import { connectRedis, startEmbeddedRedis } from '../src/redis/index.js';
import { loadRegistry } from '../src/registry/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const seconds = argument('seconds', 5);
const connections = argument('connections', 16);
const file = (relative: string) => readFile(path.join(root, relative), 'utf8');

const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-bench-http-'));
const redisServer = await startEmbeddedRedis({ dataDir, appendOnly: false });
const redis = connectRedis({ url: redisServer.url }) as Redis;
const config = {
  NODE_ENV: 'test' as const,
  HUB_ID: 'isp-hub',
  ENVELOPE_MAX_BYTES: 256 * 1024,
  MAX_JSON_DEPTH: 32,
  TRUSTED_PROXIES: undefined,
  CLIENT_CERT_HEADER: 'x-client-cert',
  HOST: '127.0.0.1',
  PORT: 0,
  HEADERS_TIMEOUT_MS: 10_000,
  REQUEST_TIMEOUT_MS: 30_000,
  KEEP_ALIVE_TIMEOUT_MS: 65_000,
};
const caPem = await file('certs-example/ca/cert.pem');
const app = createApp({
  config,
  logger: createLogger({ silent: true }),
  identify: createAgencyIdentifier({
    trustStore: createTrustStore({
      caCertificates: [readCertificatePem(caPem)],
      revocations: await openRevocationList(path.join(root, 'certs-example/ca/revocations.json')),
    }),
    registry: await loadRegistry(path.join(root, 'policies/agencies.yaml')),
  }),
  audit: { append: async () => undefined },
  rateLimiter: createRedisRateLimiter({ redis, keyPrefix: '{bench}', limit: 10_000_000 }),
  authenticationFailureLimiter: createRedisRateLimiter({ redis, keyPrefix: '{bench}', limit: 1_000_000 }),
  metrics: createHubMetrics(),
  hubKeys: () => [],
  routes: {
    agency: [
      (router, deps) =>
        router.post('/v1/noop', deps.body.jose, (req, res) => {
          res.status(202).json({ agency: agencyOf(req).agencyId, bytes: (req.body as string).length });
        }),
    ],
  },
});
const server = createHubServer({ app, tls: { key: await file('certs-example/hub/tls-key.pem'), cert: await file('certs-example/hub/tls-cert.pem'), ca: caPem }, config });
const { port } = await server.listen();

const agent = new Agent({
  keepAlive: true,
  maxSockets: connections,
  ca: caPem,
  cert: await file('certs-example/agencies/nv-police/cert.pem'),
  key: await file('certs-example/agencies/nv-police/key.pem'),
});
const body = 'e'.repeat(2048);
function once(): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/noop', method: 'POST', agent, headers: { 'content-type': 'application/jose' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies: number[] = [];
const deadline = Date.now() + seconds * 1000;
const began = Date.now();
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (Date.now() < deadline) latencies.push(await once());
  }),
);
const elapsed = (Date.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 100) / 100;
const result = {
  requests: latencies.length,
  seconds: Math.round(elapsed * 10) / 10,
  requestsPerSecond: Math.round(latencies.length / elapsed),
  latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
  connections,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result)}\n` : `http layer (mTLS keep-alive, identity, Redis rate limit, 2 KiB jose body):\n${JSON.stringify(result, null, 2)}\n`);
agent.destroy();
await server.close();
await redis.quit();
await redisServer.stop();
await rm(dataDir, { recursive: true, force: true });
