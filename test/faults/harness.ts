import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { verifyFullLog, type FullVerifyReport } from '../../src/audit/index.js';
import type { AgencyClient, OutgoingMessage } from '../../src/client/index.js';
import { findFreePort } from '../../src/redis/index.js';
import { certsDir, copyPolicies, startReceiver, type TestReceiver } from '../support/hub.js';
import { sendUntilAnswered, startHubProcess, type HubProcess } from '../support/hub-process.js';

/**
 * The hub as the fault tests run it: its own process (so it can be killed)
 * on the given Redis (a URL, or '' with Sentinel or Cluster settings in `env`), a short delivery lock (a killed worker's jobs run
 * again soon), and nv-probation's webhook receiver it pushes to.
 */
export async function startFaultHub(redisUrl: string, prefix: string, env: Record<string, string> = {}): Promise<{ hub: HubProcess; receiver: TestReceiver; dataDir: string; stop(): Promise<void> }> {
  const receiver = await startReceiver('nv-probation');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-fault-'));
  const policyDir = await copyPolicies(dataDir, { 'nv-probation': receiver.url });
  const hub = await startHubProcess({ redisUrl, prefix, dataDir, policyDir, port: await findFreePort(), env: { DELIVERY_LOCK_MS: '3000', ...env } });
  receiver.bind(await hub.client('nv-probation'));
  return {
    hub,
    receiver,
    dataDir,
    async stop() {
      await hub.stop();
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SentMessage {
  jti: string;
  status: number;
  /** The hub's message id (2xx answers). */
  id?: string;
  /** Recipients the 202 answer listed as queued: the permitted ones. */
  queuedFor: string[];
  attempts: number;
}

/**
 * Sends `total` messages with `concurrency` senders, each one sealed once and
 * re-sent with the same bytes until the hub answers (so it survives hub and
 * Redis restarts). `onProgress` sees the count answered so far.
 */
export async function sendMany(
  client: AgencyClient,
  message: OutgoingMessage,
  options: { total: number; concurrency: number; jtiPrefix: string; onProgress?: (answered: number) => void },
): Promise<SentMessage[]> {
  const results: SentMessage[] = [];
  let next = 0;
  const sender = async () => {
    for (;;) {
      const index = next++;
      if (index >= options.total) return;
      const jti = `${options.jtiPrefix}-${index.toString().padStart(5, '0')}`;
      const { jwe } = await sealWithRetries(client, message, jti);
      const answer = await sendUntilAnswered(client, jwe);
      const body = answer.body as { id?: string; recipients?: Array<{ agency: string; status: string }> };
      results.push({
        jti,
        status: answer.status,
        ...(body.id ? { id: body.id } : {}),
        queuedFor: (body.recipients ?? []).filter((recipient) => recipient.status === 'queued').map((recipient) => recipient.agency),
        attempts: answer.attempts,
      });
      options.onProgress?.(results.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  return results;
}

/**
 * sendMany with faults: while the messages are in flight, `fault` runs
 * `faults` times, each at a random moment spread over the run by progress
 * (between the `spread` fractions of `total` answered), so a test does the
 * same on a fast or a loaded machine. `fault` kills its part and starts it
 * again, pausing between as it sees fit.
 */
export async function sendThroughFaults(
  client: AgencyClient,
  message: OutgoingMessage,
  options: { total: number; concurrency: number; jtiPrefix: string; faults: number; spread: [number, number]; fault: () => Promise<void> },
): Promise<{ sent: SentMessage[]; answered: number; faults: number }> {
  let answered = 0;
  let faults = 0;
  let done = false;
  const sending = sendMany(client, message, { ...options, onProgress: (count) => (answered = count) });
  void sending.finally(() => (done = true));
  const points = Array.from({ length: options.faults }, () => Math.floor(randomBetween(...options.spread) * options.total)).sort((a, b) => a - b);
  for (const point of points) {
    while (!done && answered < point) await sleep(50);
    if (done) break;
    await sleep(randomBetween(0, 1000));
    await options.fault();
    faults += 1;
  }
  const sent = await sending;
  return { sent, answered, faults };
}

/** Waits until every (message, recipient) a 202 promised has reached its receiver; the error says how many did not and adds `context()`. */
export async function waitForEveryDelivery(sent: SentMessage[], receivers: Record<string, TestReceiver>, timeoutMs: number, context: () => string): Promise<void> {
  await waitFor(() => missingDeliveries(sent, receivers).length === 0, timeoutMs, 'every accepted message to be delivered').catch((error: Error) => {
    throw new Error(`${error.message}; missing ${missingDeliveries(sent, receivers).length}; ${context()}`);
  });
}

/** Sealing fetches the hub's keys the first time: that too must wait out a restart. */
async function sealWithRetries(client: AgencyClient, message: OutgoingMessage, jti: string): Promise<{ jwe: string }> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await client.sealForHub(message, jti);
    } catch (error) {
      if (attempt > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Pairs (message id, recipient) that a 202 promised and no receiver has seen yet. */
export function missingDeliveries(sent: SentMessage[], receivers: Record<string, TestReceiver>): string[] {
  const seen = new Set<string>();
  for (const [agency, receiver] of Object.entries(receivers)) {
    for (const delivery of receiver.deliveries) seen.add(`${delivery.messageId}:${agency}`);
  }
  return sent
    .filter((message) => message.status === 202 && message.id)
    .flatMap((message) => message.queuedFor.map((agency) => `${message.id}:${agency}`))
    .filter((pair) => !seen.has(pair));
}

/** How many deliveries arrived more than once (at-least-once delivery; receivers deduplicate by message id). */
export function duplicateCount(receiver: TestReceiver): number {
  return receiver.deliveries.length - new Set(receiver.deliveries.map((delivery) => delivery.messageId)).size;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function verifyAudit(redis: Redis, prefix: string, dataDir: string): Promise<FullVerifyReport> {
  return verifyFullLog({
    redis,
    prefix,
    archiveDir: path.join(dataDir, 'audit-archive'),
    hubCertificate: await readFile(path.join(certsDir, 'hub/signing-cert.pem')),
  });
}

export function randomBetween(minMs: number, maxMs: number): number {
  return minMs + Math.random() * (maxMs - minMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
