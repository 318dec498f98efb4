import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type HubConfig } from '../../src/config/index.js';
import { dpoRoutes } from '../../src/hub/dpo-routes.js';
import { createHub } from '../../src/hub/index.js';
import { createLogger } from '../../src/logger.js';

/** The repository root, so the demo finds policies/ and certs-example/ from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const certsDir = path.join(repoRoot, 'certs-example');

/** The hub the demo talks to: its address and the settings the DPO token is issued under. */
export interface DemoHub {
  url: string;
  config: Pick<HubConfig, 'DATA_DIR' | 'HUB_ID' | 'DPO_AUDIENCE' | 'DPO_ISSUER' | 'DPO_JWKS_URL'>;
  /** The hub's policy folder when known (POLICY_DIR), for quoting rules. */
  policyDir: string | undefined;
  /** Set when the demo started the hub itself. */
  startedHere: boolean;
  close(): Promise<void>;
}

/**
 * `--start`: a hub of its own, built by the same composition root as
 * `isp-hub start` (src/hub/create-hub.ts), on a free loopback port with a
 * temporary DATA_DIR, the repository's policies/ and certs-example/. Redis is
 * REDIS_URL when set (CI passes a test Redis and a key prefix), otherwise a
 * private redis-server under the temporary DATA_DIR.
 */
export async function startDemoHub(env: NodeJS.ProcessEnv): Promise<DemoHub> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-demo-'));
  try {
    const config = loadConfig({
      ...pickDefined(env, ['REDIS_URL', 'REDIS_KEY_PREFIX', 'REDIS_BINARY', 'HUB_ID']),
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      POLICY_DIR: path.join(repoRoot, 'policies'),
      CA_CERT: path.join(certsDir, 'ca/cert.pem'),
      REVOCATION_LIST: path.join(certsDir, 'ca/revocations.json'),
      HUB_CERT_DIR: path.join(certsDir, 'hub'),
      AUDIT_CHECKPOINT_SECONDS: '1',
    });
    // The demo's own output is the story; the hub's operational log would drown it.
    const hub = await createHub({ config, logger: createLogger({ silent: true }), role: 'all', publicRoutes: dpoRoutes });
    if (!hub.url) throw new TypeError('the demo hub serves no URL');
    return {
      url: hub.url,
      config,
      policyDir: config.POLICY_DIR,
      startedHere: true,
      async close() {
        await hub.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A hub someone else runs (`npm start`): the DPO token is made with the key under its DATA_DIR. */
export function runningHub(url: string, env: NodeJS.ProcessEnv): DemoHub {
  const config = loadConfig(pickDefined(env, ['DATA_DIR', 'HUB_ID', 'DPO_AUDIENCE', 'DPO_ISSUER', 'DPO_JWKS_URL']));
  return { url, config, policyDir: env['POLICY_DIR'] || undefined, startedHere: false, close: async () => undefined };
}

/** True when something answers GET /health over TLS at `url` with a certificate from the scheme CA. */
export function hubAnswers(url: string, caPem: string, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(new URL('/health', url), { method: 'GET', ca: caPem, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function pickDefined(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}
