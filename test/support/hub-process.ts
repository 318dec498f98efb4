import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { agencyFilesIn, createAgencyClientFromFiles, type AgencyClient } from '../../src/client/index.js';
import { repoRoot } from './cli.js';
import { certsDir, exampleSchemeEnv } from './hub.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface HubProcessOptions {
  redisUrl: string;
  prefix: string;
  /** Kept across restarts: local secrets (subject-key and flag keys) live here. */
  dataDir: string;
  /** A policy copy (see copyPolicies in ./hub.ts) with push URLs to the test's receivers. */
  policyDir: string;
  /** Fixed, so clients reconnect to the same URL after a restart. */
  port: number;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** 'cli' runs `isp-hub start` as an operator would; 'entry' (default) a lighter script that only builds the hub (faster restarts). */
  via?: 'cli' | 'entry';
}

export interface HubProcess {
  readonly url: string;
  /** The running child's pid (changes on restart). */
  readonly pid: number;
  /** kill -9: no shutdown hooks run, as in a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: the hub's orderly shutdown. */
  stop(): Promise<void>;
  /** Starts the hub again with the same settings (after kill or stop). */
  start(): Promise<void>;
  /** Resident set size of the child in bytes (Linux /proc). */
  rssBytes(): Promise<number>;
  /** What the child wrote to stderr lately (for failure messages). */
  stderrTail(): string;
  client(agencyId: string): Promise<AgencyClient>;
}

/**
 * The hub as a child process (`isp-hub start` or hub-entry.ts from source through tsx), for
 * fault tests and the soak: it can be killed with SIGKILL at any moment and
 * started again on the same port, Redis and data folder, while the test's
 * clients and webhook receivers live on in the test process.
 */
export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  let child: ChildProcess | undefined;
  let stderr = '';
  const url = `https://127.0.0.1:${options.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    // A free port: several hub processes run side by side in the tests.
    METRICS_PORT: '0',
    ...exampleSchemeEnv(options.dataDir, options.policyDir),
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.prefix,
    DELIVERY_BACKOFF_MS: '200',
    DELIVERY_ATTEMPTS: '20',
    DELIVERY_TIMEOUT_MS: '5000',
    AUDIT_CHECKPOINT_SECONDS: '1',
    ...options.env,
  };

  async function start(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) throw new TypeError('the hub process is already running');
    const script = options.via === 'cli' ? [path.join(repoRoot, 'src/cli/main.ts'), 'start'] : [path.join(repoRoot, 'test/support/hub-entry.ts')];
    const started = spawn(process.execPath, ['--import', tsxLoader, ...script], {
      cwd: options.dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        reject(new Error(`the hub did not start within ${options.startTimeoutMs ?? 60_000} ms: ${stderr.slice(-1000)}`));
      }, options.startTimeoutMs ?? 60_000);
      started.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('isp-hub is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the hub exited during start (${code ?? signal}): ${stderr.slice(-1000)}`));
      });
    });
    // Drain stdout so a chatty child never blocks on a full pipe.
    started.stdout.resume();
  }

  function signal(name: NodeJS.Signals): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      running.once('exit', () => resolve());
      running.kill(name);
    });
  }

  await start();
  return {
    url,
    get pid() {
      return child?.pid ?? -1;
    },
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    start,
    async rssBytes() {
      const status = await readFile(`/proc/${child?.pid ?? -1}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      return match ? Number(match[1]) * 1024 : 0;
    },
    stderrTail: () => stderr,
    client: (agencyId) =>
      createAgencyClientFromFiles({
        hubUrl: url,
        agencyId,
        ...agencyFilesIn(certsDir, agencyId),
      }),
  };
}

/**
 * Sends one sealed message until the hub gives a definite answer: the same
 * bytes (same jti) again after connection errors and 5xx, however long the
 * hub is away, so a retry is idempotent (RFC 7519 s.4.1.7 jti). Returns the
 * status and JSON body of the first 2xx or 4xx answer.
 */
export async function sendUntilAnswered(
  client: AgencyClient,
  jwe: string,
  options: { deadlineMs?: number; pauseMs?: number } = {},
): Promise<{ status: number; body: unknown; attempts: number }> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  for (let attempts = 1; ; attempts += 1) {
    try {
      const response = await client.request('POST', '/v1/messages', jwe);
      if (response.status < 500) return { status: response.status, body: JSON.parse(response.body.toString('utf8')) as unknown, attempts };
    } catch {
      // connection refused or reset: the hub is down or restarting
    }
    if (Date.now() > deadline) throw new Error(`no answer from the hub after ${attempts} attempts`);
    await new Promise((resolve) => setTimeout(resolve, (options.pauseMs ?? 200) * (0.5 + Math.random())));
  }
}
