import { createPrivateKey, X509Certificate } from 'node:crypto';
import { Agent, request, type RequestOptions } from 'node:https';
import { PassThrough } from 'node:stream';
import type { Redis } from 'ioredis';
import type { AuditEntryInput } from '../../../src/audit/entry.js';
import { HubError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { thumbprintS256 } from '../../../src/pki/thumbprint.js';
import {
  agencyOf,
  createApp,
  createHubMetrics,
  createHubServer,
  createRedisRateLimiter,
  type AppDeps,
  type HealthCheck,
  type HttpConfig,
  type HubPublicKey,
  type IdentifyAgency,
  type RateLimiter,
  type RouteModule,
  type ServerConfig,
} from '../../../src/http/index.js';
import { createTestCa, type IssuedCertificate, type TestCa } from './test-pki.js';

/**
 * A scheme for the HTTP tests: a CA, the hub's TLS certificate, agency
 * client certificates (good, expired, revoked), one from another CA, and an
 * identify() that checks them for real (issuer signature, validity window,
 * revoked serials, the agency by common name).
 */
export interface TestScheme {
  ca: TestCa;
  hubTls: IssuedCertificate;
  police: IssuedCertificate;
  yot: IssuedCertificate;
  expiredPolice: IssuedCertificate;
  revokedPolice: IssuedCertificate;
  strangerCa: TestCa;
  stranger: IssuedCertificate;
  identify: IdentifyAgency;
}

const AGENCIES: Record<string, string> = { 'nv-police': 'police', 'nv-yot': 'yot' };

export async function createTestScheme(): Promise<TestScheme> {
  const ca = await createTestCa();
  const strangerCa = await createTestCa('Elsewhere Test CA');
  const now = Date.now();
  const revokedPolice = await ca.issue({ commonName: 'nv-police', usage: 'client' });
  const revoked = new Set([revokedPolice.x509.serialNumber]);
  const identify: IdentifyAgency = (certificate: X509Certificate) => {
    if (!certificate.checkIssued(ca.x509) || !certificate.verify(ca.x509.publicKey)) {
      throw new HubError('CERT_UNTRUSTED_ISSUER', 'certificate not issued by the scheme CA');
    }
    const agencyId = /^CN=([a-z0-9-]+)$/m.exec(certificate.subject)?.[1];
    const details = agencyId ? { agencyId } : undefined;
    const at = Date.now();
    if (new Date(certificate.validTo).getTime() < at) throw new HubError('CERT_EXPIRED', 'certificate expired', details);
    if (revoked.has(certificate.serialNumber)) throw new HubError('CERT_REVOKED', 'certificate revoked', details);
    const role = agencyId ? AGENCIES[agencyId] : undefined;
    if (!agencyId || !role) throw new HubError('AGENCY_UNKNOWN', 'no agency for this certificate');
    return { agencyId, role, thumbprint: thumbprintS256(certificate) };
  };
  return {
    ca,
    hubTls: await ca.issue({ commonName: 'isp-hub', usage: 'server' }),
    police: await ca.issue({ commonName: 'nv-police', usage: 'client' }),
    yot: await ca.issue({ commonName: 'nv-yot', usage: 'client' }),
    expiredPolice: await ca.issue({ commonName: 'nv-police', usage: 'client', notBefore: new Date(now - 90 * 86_400_000), notAfter: new Date(now - 86_400_000) }),
    revokedPolice,
    strangerCa,
    stranger: await strangerCa.issue({ commonName: 'nv-police', usage: 'client' }),
    identify,
  };
}

export interface TestHub {
  url: string;
  port: number;
  audit: AuditEntryInput[];
  logLines: () => Array<Record<string, unknown>>;
  deps: AppDeps;
  close(): Promise<void>;
}

export interface TestHubOptions {
  scheme: TestScheme;
  redis: Redis;
  keyPrefix: string;
  routes?: AppDeps['routes'];
  config?: Partial<HttpConfig & ServerConfig>;
  rateLimit?: number;
  /** Refused sign-ins audited one by one per address per window (AUTH_FAILURES_AUDITED_PER_MINUTE). */
  authFailureLimit?: number;
  authFailureWindowMs?: number;
  /** Replaces the Redis-backed counter of refused sign-ins (e.g. one that fails). */
  authFailureLimiter?: RateLimiter;
  health?: HealthCheck[];
  hubKeys?: HubPublicKey[];
  closeGraceMs?: number;
}

export async function startTestHub(options: TestHubOptions): Promise<TestHub> {
  const config = {
    NODE_ENV: 'test' as const,
    HUB_ID: 'isp-hub',
    ENVELOPE_MAX_BYTES: 4096,
    MAX_JSON_DEPTH: 8,
    TRUSTED_PROXIES: undefined,
    CLIENT_CERT_HEADER: 'x-client-cert',
    HOST: '127.0.0.1',
    PORT: 0,
    HEADERS_TIMEOUT_MS: 10_000,
    REQUEST_TIMEOUT_MS: 30_000,
    KEEP_ALIVE_TIMEOUT_MS: 5_000,
    ...options.config,
  };
  const stream = new PassThrough();
  let logText = '';
  stream.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  const logger = createLogger({ stream, level: 'debug' });
  const audit: AuditEntryInput[] = [];
  const deps: AppDeps = {
    config,
    logger,
    identify: options.scheme.identify,
    audit: { append: async (entry) => void audit.push(entry) },
    rateLimiter: createRedisRateLimiter({ redis: options.redis, keyPrefix: options.keyPrefix, limit: options.rateLimit ?? 1000, windowMs: 60_000 }),
    authenticationFailureLimiter:
      options.authFailureLimiter ?? createRedisRateLimiter({ redis: options.redis, keyPrefix: options.keyPrefix, limit: options.authFailureLimit ?? 1000, windowMs: options.authFailureWindowMs ?? 60_000 }),
    metrics: createHubMetrics({ processMetrics: false }),
    hubKeys: () => options.hubKeys ?? [],
    health: options.health ?? [],
    routes: options.routes ?? { agency: [whoAmIRoutes] },
  };
  const hub = createHubServer({
    app: createApp(deps),
    tls: { key: options.scheme.hubTls.keyPem, cert: options.scheme.hubTls.certPem, ca: options.scheme.ca.certPem },
    config,
    logger,
    closeGraceMs: options.closeGraceMs ?? 2000,
  });
  const { url, port } = await hub.listen();
  return {
    url,
    port,
    audit,
    deps,
    logLines: () => logText.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () => hub.close(),
  };
}

/** A tiny agency route module: echoes the identity and the parsed body. */
export const whoAmIRoutes: RouteModule = (router, deps) => {
  router.get('/v1/whoami', (req, res) => {
    res.json(agencyOf(req));
  });
  router.post('/v1/echo-json', deps.body.json, (req, res) => {
    res.json({ received: req.body as unknown });
  });
  router.post('/v1/echo-jose', deps.body.jose, (req, res) => {
    res.json({ length: (req.body as string).length });
  });
  router.get('/v1/boom', () => {
    throw new Error('secret detail at /srv/hub/internal.ts:42');
  });
};

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/** One HTTPS request to the hub, trusting the test CA, with an optional client certificate. */
export function call(
  hub: { port: number },
  scheme: TestScheme,
  options: { method?: string; path: string; client?: IssuedCertificate; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent; localAddress?: string },
): Promise<CallResult> {
  const requestOptions: RequestOptions = {
    host: '127.0.0.1',
    port: hub.port,
    method: options.method ?? 'GET',
    path: options.path,
    ca: scheme.ca.certPem,
    headers: { ...options.headers },
    ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
    agent: options.agent ?? false,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An EC signing key with a certificate from the test CA, as the keys module would hold it. */
export async function testHubKey(scheme: TestScheme, kid: string, use: 'sig' | 'enc'): Promise<HubPublicKey> {
  const issued = await scheme.ca.issue({ commonName: `isp-hub-${kid}`, usage: 'server' });
  return {
    kid,
    use,
    alg: use === 'sig' ? 'ES256' : 'ECDH-ES+A256KW',
    key: createPrivateKey(issued.keyPem),
    certificateChain: [issued.x509, scheme.ca.x509],
  };
}
