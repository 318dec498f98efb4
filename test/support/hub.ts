import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { agencyFilesIn, createAgencyClientFromFiles, webhookReceiver, type AgencyClient, type Delivery } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createHub, type Hub, type HubRole } from '../../src/hub/index.js';
import type { RouteModule } from '../../src/http/index.js';
import { dpoRoutes } from '../../src/hub/dpo-routes.js';
import { createLogger } from '../../src/logger.js';
import { repoRoot } from './cli.js';
import type { TestRedis } from './redis.js';

export const certsDir = path.join(repoRoot, 'certs-example');

/** The hub's configuration for the example scheme (certs-example/) with its data and policies in the given folders. */
export function exampleSchemeEnv(dataDir: string, policyDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    POLICY_DIR: policyDir,
    CA_CERT: path.join(certsDir, 'ca/cert.pem'),
    REVOCATION_LIST: path.join(certsDir, 'ca/revocations.json'),
    HUB_CERT_DIR: path.join(certsDir, 'hub'),
  };
}

export interface TestHub {
  hub: Hub;
  url: string;
  dataDir: string;
  policyDir: string;
  prefix: string;
  client(agencyId: string): Promise<AgencyClient>;
  stop(): Promise<void>;
}

/**
 * A real hub for tests: real HTTPS with mutual TLS on a free port, the
 * project's policies (copied, so a test may change them), certs-example/,
 * and a test Redis with a fresh key prefix. `push` maps agency ids to the
 * webhook URLs they should be pushed to (others pull).
 */
export async function startTestHub(
  redis: TestRedis,
  options: {
    push?: Record<string, string>;
    env?: Record<string, string>;
    role?: HubRole;
    prefix?: string;
    policyDir?: string;
    dataDir?: string;
    /** Extra public route modules beside the DPO routes (e.g. a test-only JSON route). */
    extraRoutes?: RouteModule[];
  } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'isp-hub-test-')));
  const policyDir = options.policyDir ?? (await copyPolicies(dataDir, options.push ?? {}));
  const prefix = options.prefix ?? redis.newPrefix();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    ...exampleSchemeEnv(dataDir, policyDir),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_ATTEMPTS: '3',
    // Generous: on a loaded 2-core machine a slow receiver would otherwise get a (correctly marked) second copy.
    DELIVERY_TIMEOUT_MS: '15000',
    AUDIT_CHECKPOINT_SECONDS: '1',
    ...options.env,
  });
  const hub = await createHub({ config, logger: createLogger({ silent: true }), ...(options.role ? { role: options.role } : {}), publicRoutes: async (parts) => [...(await dpoRoutes(parts)), ...(options.extraRoutes ?? [])] });
  const clients: AgencyClient[] = [];
  return {
    hub,
    url: hub.url ?? '',
    dataDir,
    policyDir,
    prefix,
    async client(agencyId) {
      const client = await createAgencyClientFromFiles({
        hubUrl: hub.url ?? '',
        agencyId,
        ...agencyFilesIn(certsDir, agencyId),
      });
      clients.push(client);
      return client;
    },
    async stop() {
      clients.forEach((client) => client.close());
      await hub.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A temporary copy of certs-example's hub keys and CA (hub/ and ca/ side by
 * side, as `keys rotate` and `certs issue` expect them), for tests that
 * change the hub's keys without touching the demonstration set.
 */
export async function copyHubPki(prefix: string): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), prefix));
  await cp(path.join(certsDir, 'hub'), path.join(work, 'hub'), { recursive: true });
  await cp(path.join(certsDir, 'ca'), path.join(work, 'ca'), { recursive: true });
  return work;
}

/** Copies policies/ and points the agencies named in `push` at webhook URLs. */
export async function copyPolicies(into: string, push: Record<string, string>): Promise<string> {
  const policyDir = path.join(into, 'policies');
  await cp(path.join(repoRoot, 'policies'), policyDir, { recursive: true });
  const agenciesFile = path.join(policyDir, 'agencies.yaml');
  let text = (await readFile(agenciesFile, 'utf8')).replaceAll('../certs-example/', `${certsDir}/`);
  for (const [agencyId, url] of Object.entries(push)) {
    const pattern = new RegExp(`(- id: ${agencyId}\\n(?:    .*\\n)*?    delivery: )\\{ mode: pull \\}`);
    text = text.replace(pattern, `$1{ mode: push, url: "${url}" }`);
  }
  await writeFile(agenciesFile, text);
  return policyDir;
}

export interface TestReceiver {
  url: string;
  /** Each body as it arrived (the compact JWE), before the SDK opened it. */
  raw: string[];
  deliveries: Delivery[];
  /** While false, the receiver answers 503 (a recipient that is down). */
  setAvailable(available: boolean): void;
  /** Opens deliveries with this agency client (made once the hub's URL is known). */
  bind(client: AgencyClient): void;
  close(): Promise<void>;
}

/**
 * A real agency webhook receiver on loopback: HTTPS with the agency's own
 * scheme certificate, requiring the hub's client certificate, opening each
 * delivery with the SDK's middleware.
 */
export async function startReceiver(agencyId: string): Promise<TestReceiver> {
  const raw: string[] = [];
  const deliveries: Delivery[] = [];
  let available = true;
  let handler: express.Router | undefined;
  const app = express();
  app.use((_req, res, next) => (available && handler ? next() : res.status(503).end()));
  // Read here first; the SDK middleware then finds the body already read and opens it as it is.
  app.use('/isp/inbound', express.text({ type: 'application/jose' }), (req, _res, next) => {
    raw.push(String(req.body));
    next();
  });
  app.use('/isp/inbound', (req, res, next) => handler!(req, res, next));
  const read = (name: string) => readFile(path.join(certsDir, 'agencies', agencyId, name), 'utf8');
  const server: Server = createServer(
    { key: await read('key.pem'), cert: await read('cert.pem'), ca: await readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8'), requestCert: true, rejectUnauthorized: true },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}/isp/inbound`,
    raw,
    deliveries,
    setAvailable: (value) => void (available = value),
    bind: (client) => void (handler = webhookReceiver(client, async (delivery) => void deliveries.push(delivery))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
