import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import path from 'node:path';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { auditEntryInputSchema, createAuditLog, type AuditEntry, type AuditEntryInput } from '../../src/audit/index.js';
import type { RedisClient } from '../../src/redis/index.js';
import { x509 } from '../../src/pki/x509-library.js';
import { repoRoot } from './cli.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/**
 * Fixtures for the delivery tests: a throw-away scheme CA with a hub client
 * certificate and agency server certificates (synthetic Northvale agencies),
 * real HTTPS webhook receivers on loopback that insist on the hub's client
 * certificate, and an in-memory audit sink that checks every entry against
 * the audit model (src/audit/entry.ts), or the real audit log.
 */

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface IssuedCert {
  cert: string;
  key: string;
}

export interface TestPki {
  caPem: string;
  hubClient: IssuedCert;
  /** A server certificate for 127.0.0.1 / localhost. */
  receiverServer: IssuedCert;
  /** nv-probation's own scheme certificate as certs-example issues it: CN = the agency id, no host names. */
  agencyServer: IssuedCert;
  /** A client certificate from another CA: not the hub. */
  strangerClient: IssuedCert;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pemOfKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function selfSignedCa(name: string): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}, O=Northvale PPO Scheme (test)`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys };
}

async function leaf(
  ca: { cert: x509.X509Certificate; keys: CryptoKeyPair },
  name: string,
  usage: 'client' | 'server',
  serial: string,
  hostNames = usage === 'server',
): Promise<IssuedCert> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
  ];
  if (hostNames) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${name}, O=Northvale PPO Scheme (test)`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: algorithm,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await pemOfKey(keys.privateKey) };
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await selfSignedCa('Northvale Test Scheme CA');
  const other = await selfSignedCa('Somewhere Else CA');
  return {
    caPem: ca.cert.toString('pem'),
    hubClient: await leaf(ca, 'isp-hub', 'client', '02'),
    receiverServer: await leaf(ca, 'nv-probation webhook', 'server', '03'),
    agencyServer: await leaf(ca, 'nv-probation', 'server', '05', false),
    strangerClient: await leaf(other, 'stranger', 'client', '04'),
  };
}

export interface ReceivedDelivery {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** CN of the client certificate the caller presented. */
  clientCn: string | undefined;
}

export type ReceiverBehaviour = 'ok' | 'fail' | 'hang';

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  /** Requests whose answer is withheld ('hang'). */
  hanging: number;
  /** TLS connections callers opened to it (handshakes completed). */
  connections: number;
  behaviour: ReceiverBehaviour;
  /** Stops listening (the port then refuses connections) and drops open sockets. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
}

/**
 * A webhook receiver as an agency would run it: HTTPS, demanding a client
 * certificate from the scheme CA. 'ok' answers 204, 'fail' answers 503,
 * 'hang' never answers.
 */
export async function startWebhookReceiver(pki: TestPki, behaviour: ReceiverBehaviour = 'ok', port = 0): Promise<WebhookReceiver> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const receiver: WebhookReceiver = {
    url: '',
    port,
    received: [],
    hanging: 0,
    connections: 0,
    behaviour,
    async start() {
      server = createServer(
        { cert: pki.receiverServer.cert, key: pki.receiverServer.key, ca: pki.caPem, requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (chunk: Buffer) => chunks.push(chunk));
          req.on('end', () => {
            const socket = req.socket as import('node:tls').TLSSocket;
            const peer = socket.getPeerCertificate();
            const record: ReceivedDelivery = {
              at: Date.now(),
              headers: req.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              clientCn: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
            };
            if (receiver.behaviour === 'hang') {
              receiver.hanging += 1;
              return;
            }
            receiver.received.push(record);
            res.statusCode = receiver.behaviour === 'ok' ? 204 : 503;
            res.end();
          });
        },
      );
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.on('secureConnection', (socket) => {
        receiver.connections += 1;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server?.listen(receiver.port, '127.0.0.1', () => resolve()));
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `https://127.0.0.1:${receiver.port}/isp/deliveries`;
    },
    async stop() {
      if (!server) return;
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closing;
      server = undefined;
    },
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${receiver.received.length} of ${count} deliveries in time`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return receiver.received;
    },
  };
  await receiver.start();
  return receiver;
}

/** An audit sink that keeps entries in memory, refusing any the audit model would refuse. */
export function memoryAudit(): { entries: AuditEntryInput[]; append(input: AuditEntryInput): Promise<AuditEntryInput> } {
  const entries: AuditEntryInput[] = [];
  return {
    entries,
    async append(input) {
      const checked = auditEntryInputSchema.parse(input);
      entries.push(checked);
      return checked;
    },
  };
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The real audit log (src/audit) under a test's prefix, with a reader for assertions. */
export function testAuditLog(redis: RedisClient, prefix: string): { append(input: AuditEntryInput): Promise<AuditEntry>; entries(): Promise<AuditEntry[]> } {
  const log = createAuditLog({ redis, prefix });
  return {
    append: (input) => log.append(input),
    async entries() {
      const size = await log.size();
      return log.getEntries(Array.from({ length: size }, (_, seq) => seq));
    },
  };
}

/**
 * A delivery worker for `recipient` in a process of its own
 * (test/support/delivery-worker-process.ts), pushing to `url` with short
 * locks so a kill -9 of it is noticed soon; resolves once it is ready.
 */
export async function startDeliveryWorkerProcess(options: { redisUrl: string; prefix: string; recipient: string; url: string; pki: TestPki }): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/support/delivery-worker-process.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DELIVERY_WORKER_CONFIG: JSON.stringify({
        redisUrl: options.redisUrl,
        prefix: options.prefix,
        recipient: options.recipient,
        url: options.url,
        tls: { cert: options.pki.hubClient.cert, key: options.pki.hubClient.key, ca: options.pki.caPem },
        lockDurationMs: 1000,
        stalledIntervalMs: 500,
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  }) as unknown as ChildProcessWithoutNullStreams;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', () => reject(new Error('worker process exited early')));
  });
  return child;
}
