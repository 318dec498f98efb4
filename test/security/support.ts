// Test support for the attack and fuzz tests: raw
// HTTPS calls to a real test hub with or without a client certificate,
// hand-built hostile envelopes, and what the audit log gained during a call.
import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import path from 'node:path';
import type { AuditEntry } from '../../src/audit/entry.js';
import { seal, type EnvelopeClaims } from '../../src/envelope/index.js';
import { loadOrCreateEmbeddedDpoIssuer, embeddedDpoIssuerUrl, type EmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { example } from '../support/e2e.js';
import { certsDir, type TestHub } from '../support/hub.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The hub's error code when the body is the hub's error JSON. */
  code: string | undefined;
}

export interface Caller {
  send(method: string, pathAndQuery: string, options?: { body?: string | Buffer; headers?: Record<string, string> }): Promise<RawResponse>;
  close(): void;
}

export interface Credentials {
  key: string;
  cert: string;
}

export async function agencyCredentials(agencyId: string): Promise<Credentials> {
  return readCredentials(path.join(certsDir, 'agencies', agencyId));
}

/** certs-example/test-only/<name>: expired-police, revoked-police. */
export async function testOnlyCredentials(name: 'expired-police' | 'revoked-police'): Promise<Credentials> {
  return readCredentials(path.join(certsDir, 'test-only', name));
}

async function readCredentials(dir: string): Promise<Credentials> {
  const [key, cert] = await Promise.all([readFile(path.join(dir, 'key.pem'), 'utf8'), readFile(path.join(dir, 'cert.pem'), 'utf8')]);
  return { key, cert };
}

export async function caPem(): Promise<string> {
  return readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8');
}

/**
 * A keep-alive HTTPS caller to the hub, with the given client certificate or
 * none (the DPO API and the service endpoints need none).
 */
export async function caller(baseUrl: string, credentials?: Credentials, options: { maxSockets?: number } = {}): Promise<Caller> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, ca: await caPem(), ...(credentials ?? {}) });
  const base = new URL(baseUrl);
  return {
    send(method, pathAndQuery, { body, headers } = {}) {
      return new Promise<RawResponse>((resolve, reject) => {
        const req = request(
          { host: base.hostname, port: base.port, path: pathAndQuery, method, agent, headers: { ...(body !== undefined && !headers?.['transfer-encoding'] ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers }, timeout: 30_000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, code: errorCodeOf(text) });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${pathAndQuery} in time`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

function errorCodeOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}

export const jose = { 'content-type': 'application/jose' } as const;
export const json = { 'content-type': 'application/json' } as const;

/** An agency's signing key and certificate, and the hub's encryption key, for building envelopes by hand. */
export interface EnvelopeKit {
  agencyId: string;
  signingKey: KeyObject;
  certificate: X509Certificate;
  hubKey: { publicKey: KeyObject; kid: string };
  /** Claims for an example message as the SDK would fill them in; override any. */
  claims(overrides?: Partial<EnvelopeClaims>, type?: string): Promise<EnvelopeClaims>;
  /** Seals with the real envelope code (a valid envelope unless the claims are not). */
  seal(claims: EnvelopeClaims): Promise<string>;
}

export async function envelopeKit(hub: TestHub, agencyId: string): Promise<EnvelopeKit> {
  const credentials = await agencyCredentials(agencyId);
  const signingKey = createPrivateKey(credentials.key);
  const certificate = new X509Certificate(credentials.cert);
  // The attacks build ECDH-ES+A256KW JWEs by hand, so they take the hub's P-256 encryption key (it holds one per type).
  const encryption = hub.hub.parts.keys.encryptionKeys.find((pair) => pair.certificate.publicKey.asymmetricKeyType === 'ec');
  if (!encryption) throw new Error('the test hub holds no P-256 encryption key');
  const hubKey = { publicKey: encryption.certificate.publicKey, kid: encryption.kid };
  return {
    agencyId,
    signingKey,
    certificate,
    hubKey,
    async claims(overrides = {}, type = 'arrest-notification') {
      const now = Math.floor(Date.now() / 1000);
      return { ...(await example(type)), iss: agencyId, aud: 'isp-hub', iat: now, exp: now + 300, jti: randomUUID(), ...overrides } as EnvelopeClaims;
    },
    seal: (claims) => seal({ claims, signer: { privateKey: signingKey, certificate }, recipient: hubKey }),
  };
}

/** The entries the audit log gained after `before` (its size then). */
export async function auditSince(hub: TestHub, before: number): Promise<AuditEntry[]> {
  const log = hub.hub.parts.auditLog;
  const after = await log.size();
  const seqs = Array.from({ length: after - before }, (_, index) => before + index);
  return log.getEntries(seqs);
}

/** Waits (briefly) until an entry matching `match` appears after `before`; returns the entries gained. */
export async function auditEventually(hub: TestHub, before: number, match: (entry: AuditEntry) => boolean, timeoutMs = 5000): Promise<AuditEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = await auditSince(hub, before);
    if (entries.some(match) || Date.now() > deadline) return entries;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The test hub's embedded DPO issuer (its key is under the hub's DATA_DIR). */
export async function dpoIssuer(hub: TestHub): Promise<EmbeddedDpoIssuer> {
  return loadOrCreateEmbeddedDpoIssuer(hub.dataDir, embeddedDpoIssuerUrl('isp-hub'));
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
