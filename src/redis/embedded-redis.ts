import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { HubError } from '../errors.js';
import { embeddedMaxMemoryBytes } from './memory-budget.js';

export interface EmbeddedRedisOptions {
  /** Folder for the AOF and RDB files. Created when missing. */
  dataDir: string;
  /** TCP port; 0 or omitted picks a free one. */
  port?: number;
  /** Listen on a unix socket under dataDir instead of TCP. */
  unixSocket?: boolean;
  /** Path or name of the redis-server binary. */
  binary?: string;
  /** Turn AOF off (tests of tail loss); on by default, so an accepted message survives a restart. */
  appendOnly?: boolean;
  /** Redis `maxmemory`; defaults to the machine-sized rule of memory-budget.ts. */
  maxMemoryBytes?: number;
  startTimeoutMs?: number;
  /**
   * More redis-server arguments after the launcher's own (later ones win):
   * test set-ups use it for `--replicaof` and `--cluster-enabled`.
   */
  extraArgs?: string[];
  /**
   * Run as a Sentinel (`redis-server <file> --sentinel`) with this config
   * file, which Sentinel rewrites as it learns the set-up: test set-ups only.
   */
  sentinelConfigFile?: string;
}

export interface EmbeddedRedis {
  /** ioredis connection URL: redis://127.0.0.1:PORT or redis+unix path. */
  readonly url: string;
  readonly port: number | undefined;
  readonly socketPath: string | undefined;
  readonly pid: number;
  /** Asks redis-server to shut down (SIGTERM: it flushes AOF first) and waits. */
  stop(): Promise<void>;
  /** kill -9, for fault tests. */
  kill(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to a running Redis.';

/**
 * Starts a private redis-server child for the embedded default and for tests.
 * AOF is on and eviction off (`noeviction`): a queue or an audit log that
 * Redis silently evicts would lose accepted messages. `maxmemory` is always
 * set (memory-budget.ts), so a full Redis refuses writes instead of growing
 * until the machine runs out.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dataDir = path.resolve(options.dataDir);
  // The AOF holds the audit log and sealed envelopes: owner only, like the socket.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const socketPath = options.unixSocket ? path.join(dataDir, 'redis.sock') : undefined;
  // redis-server replaces a socket file it finds, so a second hub on the same
  // DATA_DIR would take the first one's socket and share its AOF: refuse.
  if (socketPath && (await answersPing({ path: socketPath }))) {
    throw new HubError('REDIS_START_FAILED', `a redis-server already answers on ${socketPath}: another hub is using this DATA_DIR, or one that was killed left its redis-server running (stop that one; give each hub its own DATA_DIR, or set REDIS_URL to share one Redis)`);
  }
  const port = socketPath ? 0 : options.port || (await findFreePort());
  const mode = options.sentinelConfigFile ? [options.sentinelConfigFile, '--sentinel'] : [];
  // A sentinel holds no data: no AOF and no memory budget.
  const maxMemoryBytes = options.sentinelConfigFile ? undefined : (options.maxMemoryBytes ?? embeddedMaxMemoryBytes());
  const args = [...mode, ...redisArguments({ dataDir, port, socketPath, appendOnly: !options.sentinelConfigFile && (options.appendOnly ?? true), maxMemoryBytes }), ...(options.extraArgs ?? [])];
  const child = await spawnRedis(options.binary ?? 'redis-server', args);
  const url = socketPath ? `redis+unix://${socketPath}` : `redis://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(socketPath ? { path: socketPath } : { port, host: '127.0.0.1' }, child, options.startTimeoutMs ?? 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port: socketPath ? undefined : port,
    socketPath,
    pid: child.pid ?? -1,
    stop: () => stopChild(child, 'SIGTERM'),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

function redisArguments(settings: { dataDir: string; port: number; socketPath: string | undefined; appendOnly: boolean; maxMemoryBytes: number | undefined }): string[] {
  const args = [
    '--port', String(settings.port),
    '--bind', '127.0.0.1',
    '--dir', settings.dataDir,
    '--appendonly', settings.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
  ];
  if (settings.maxMemoryBytes !== undefined) args.push('--maxmemory', String(settings.maxMemoryBytes));
  if (settings.socketPath) args.push('--unixsocket', settings.socketPath, '--unixsocketperm', '700');
  return args;
}

function spawnRedis(binary: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new HubError('REDIS_NOT_INSTALLED', INSTALL_HINT) : new HubError('REDIS_START_FAILED', `redis-server could not start: ${error.code ?? 'error'}`));
    });
    child.once('spawn', () => resolve(child));
  });
}

async function waitUntilAnswering(
  target: { port: number; host: string } | { path: string },
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new HubError('REDIS_START_FAILED', `redis-server exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    if (await answersPing(target)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new HubError('REDIS_START_FAILED', `redis-server did not answer within ${timeoutMs} ms`);
}

async function answersPing(target: { port: number; host: string } | { path: string }): Promise<boolean> {
  const probe = new Redis({ ...target, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Binds port 0, reads the port the kernel chose, and releases it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
