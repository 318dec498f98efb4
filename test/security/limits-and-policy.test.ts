import { readFile, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import path from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../src/http/index.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditSince, caller, caPem, envelopeKit, jose, json, type Caller, type Credentials, type EnvelopeKit } from './support.js';

/**
 * Oversized and deeply nested bodies, slow headers and slow
 * bodies, and a policy set with an unknown legal basis, against a real hub
 * with short time-outs (HEADERS_TIMEOUT_MS 1000, REQUEST_TIMEOUT_MS 2000).
 *
 * The hub's own routes take either a sealed envelope or no body at all, so
 * the JSON reader (size, depth, media type) is exercised through a test-only
 * JSON route mounted on the real hub with the hub's real body readers and
 * MAX_JSON_DEPTH.
 */

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const MAX_BYTES = 32 * 1024;

let redis: TestRedis;
let hub: TestHub;
let police: Caller;
let kit: EnvelopeKit;
let policeCredentials: Credentials;
let ca: string;

const echoJson: RouteModule = (router, deps) => {
  router.post('/test-only/echo-json', deps.body.json, (req, res) => void res.json({ received: req.body as unknown }));
};

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis, {
    env: {
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      ENVELOPE_MAX_BYTES: String(MAX_BYTES),
      MAX_JSON_DEPTH: '16',
    },
    extraRoutes: [echoJson],
  });
  policeCredentials = await agencyCredentials('nv-police');
  police = await caller(hub.url, policeCredentials);
  kit = await envelopeKit(hub, 'nv-police');
  ca = await caPem();
});
afterAll(async () => {
  police?.close();
  await hub?.stop();
  await redis?.stop();
});

describe('oversized and deeply nested bodies', () => {
  it('413 BODY_TOO_LARGE for an envelope over the limit, announced by Content-Length or streamed, audited as a refusal', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const big = 'A'.repeat(MAX_BYTES + 1);
    const announced = await police.send('POST', '/v1/messages', { body: big, headers: jose });
    expect({ status: announced.status, code: announced.code }).toEqual({ status: 413, code: 'BODY_TOO_LARGE' });
    const streamed = await police.send('POST', '/v1/queries', { body: big, headers: { ...jose, 'transfer-encoding': 'chunked' } });
    expect({ status: streamed.status, code: streamed.code }).toEqual({ status: 413, code: 'BODY_TOO_LARGE' });
    const refusals = (await auditSince(hub, before)).filter((entry) => entry.event === 'refusal' && entry.outcome === 'BODY_TOO_LARGE');
    expect(refusals.map((entry) => entry.agency)).toEqual(['nv-police', 'nv-police']);
  });

  it('a huge announced Content-Length is refused with 413 before the body is read, and the connection is closed', async () => {
    const { socket, closed } = await openTls(policeCredentials);
    socket.write(`POST /v1/messages HTTP/1.1\r\nHost: hub\r\nContent-Type: application/jose\r\nContent-Length: ${1024 ** 3}\r\n\r\n`);
    socket.write('A'.repeat(1024));
    const { text, afterMs } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('"BODY_TOO_LARGE"');
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS);
  });

  it('413 on a JSON route too, and 400 JSON_TOO_DEEP past MAX_JSON_DEPTH however deep, before parsing', async () => {
    const anonymous = await caller(hub.url);
    try {
      const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
      const ok = await anonymous.send('POST', '/test-only/echo-json', { body: nested(16), headers: json });
      expect(ok.status).toBe(200);
      for (const depth of [17, 10_000]) {
        const deep = await anonymous.send('POST', '/test-only/echo-json', { body: nested(depth), headers: json });
        expect({ depth, status: deep.status, code: deep.code }).toEqual({ depth, status: 400, code: 'JSON_TOO_DEEP' });
      }
      const objects = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      expect((await anonymous.send('POST', '/test-only/echo-json', { body: objects, headers: json })).code).toBe('JSON_TOO_DEEP');
      const big = await anonymous.send('POST', '/test-only/echo-json', { body: JSON.stringify({ pad: 'x'.repeat(MAX_BYTES) }), headers: json });
      expect({ status: big.status, code: big.code }).toEqual({ status: 413, code: 'BODY_TOO_LARGE' });
    } finally {
      anonymous.close();
    }
  });

  it('a nested JSON body where an envelope is expected is refused by media type, never parsed', async () => {
    const response = await police.send('POST', '/v1/messages', { body: '['.repeat(10_000) + ']'.repeat(10_000), headers: json });
    expect({ status: response.status, code: response.code }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

/** A TLS connection to the hub; resolves with everything it received once the hub closed it, and when. */
async function openTls(credentials?: Credentials): Promise<{ socket: TLSSocket; closed: Promise<{ text: string; afterMs: number }> }> {
  const url = new URL(hub.url);
  const socket = connectTls({ host: url.hostname, port: Number(url.port), ca, ...(credentials ?? {}), servername: undefined });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), afterMs: Date.now() - started }));
  });
  return { socket, closed };
}

/** Writes `text` one byte per `everyMs` until the socket closes or `limitMs` passes. */
function trickle(socket: TLSSocket, text: string, everyMs: number, limitMs: number): () => void {
  let index = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable || Date.now() - started > limitMs) {
      clearInterval(timer);
      return;
    }
    socket.write(text[index % text.length] as string);
    index += 1;
  }, everyMs);
  return () => clearInterval(timer);
}

describe('slow clients are cut off within the configured time-outs', () => {
  it('slow headers: 408 REQUEST_TIMEOUT and the connection closed soon after HEADERS_TIMEOUT_MS', async () => {
    const { socket, closed } = await openTls(policeCredentials);
    socket.write('GET /v1/inbox HTTP/1.1\r\nHost: hub\r\n');
    const stop = trickle(socket, 'X-Slow: abcdefghij\r\n', 100, 15_000);
    const { text, afterMs } = await closed;
    stop();
    expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 3000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"REQUEST_TIMEOUT"');
  });

  it('slow body: the request is cut off soon after REQUEST_TIMEOUT_MS and nothing is accepted', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const { socket, closed } = await openTls(policeCredentials);
    const envelope = await kit.seal(await kit.claims());
    socket.write(`POST /v1/messages HTTP/1.1\r\nHost: hub\r\nContent-Type: application/jose\r\nContent-Length: ${envelope.length}\r\n\r\n`);
    socket.write(envelope.slice(0, 20));
    const stop = trickle(socket, envelope.slice(20), 100, 15_000);
    const { text, afterMs } = await closed;
    stop();
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
    expect(text).not.toMatch(/^HTTP\/1\.1 202 /);
    if (text.length > 0) expect(text).toMatch(/^HTTP\/1\.1 (408|400) /);
    const gained = await auditSince(hub, before);
    expect(gained.filter((entry) => entry.event === 'collection')).toEqual([]);
  });

  it('a connection that never finishes its TLS handshake is closed after the handshake time-out', async () => {
    const url = new URL(hub.url);
    const started = Date.now();
    const afterMs = await new Promise<number>((resolve) => {
      const socket = connectTcp({ host: url.hostname, port: Number(url.port) });
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write(Buffer.from([0x16, 0x03, 0x01])));
      socket.once('close', () => resolve(Date.now() - started));
    });
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 3000);
  });
});

/** Runs `body` with one text of a file in the hub's policy folder replaced (the replacement must change it), then restores the file. */
async function withPolicyFileChanged(relative: string, from: string, to: string, body: () => Promise<void>): Promise<void> {
  const file = path.join(hub.policyDir, relative);
  const original = await readFile(file, 'utf8');
  const changed = original.replace(from, to);
  expect(changed).not.toBe(original);
  await writeFile(file, changed);
  try {
    await body();
  } finally {
    await writeFile(file, original);
  }
}

describe('a policy file with an unknown legal basis', () => {
  it('is refused at reload with ok:false and a policy-loaded refusal entry, while the running set keeps deciding', async () => {
    const policy = hub.hub.parts.policy;
    const runningVersion = policy.current().version;
    await withPolicyFileChanged('rules/catch-and-convict.yaml', 'legalBases: [cda-1998-s115, oma-2007-s14, dpa-2018-part3]', 'legalBases: [cda-1998-s115, northvale-made-up-act-2099]', async () => {
      const before = await hub.hub.parts.auditLog.size();
      const result = await hub.hub.reloadPolicy();
      expect(result).toEqual({ ok: false, version: runningVersion });
      expect(policy.current().version).toBe(runningVersion);
      const gained = await auditSince(hub, before);
      expect(gained).toContainEqual(expect.objectContaining({ event: 'policy-loaded', agency: 'hub', decision: 'deny', outcome: 'POLICY_INVALID' }));

      // The old set still decides: the arrest notification reaches probation under the rule as it was.
      const sent = await police.send('POST', '/v1/messages', { body: await kit.seal(await kit.claims()), headers: jose });
      expect(sent.status).toBe(202);
      const answer = JSON.parse(sent.text) as { id: string; recipients: Array<{ agency: string; status: string }> };
      expect(answer.recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });
      const disclosure = (await auditSince(hub, before)).find((entry) => entry.event === 'disclosure' && entry.messageId === answer.id && entry.recipients.includes('nv-probation'));
      expect(disclosure).toMatchObject({ policyVersion: runningVersion, ruleIds: expect.arrayContaining(['cc-arrest-to-offender-manager']) });
      expect(disclosure?.legalBases).not.toContain('northvale-made-up-act-2099');
    });
    expect(await hub.hub.reloadPolicy()).toEqual({ ok: true, version: runningVersion });
  });
});

describe('a policy set whose certificates do not load', () => {
  it('is refused at reload as a whole: the running set and its certificates keep deciding and sealing', async () => {
    const policy = hub.hub.parts.policy;
    const runningVersion = policy.current().version;
    await withPolicyFileChanged('agencies.yaml', 'nv-probation/encryption-cert.pem', 'nv-probation/no-such-encryption-cert.pem', async () => {
      const before = await hub.hub.parts.auditLog.size();
      expect(await hub.hub.reloadPolicy()).toEqual({ ok: false, version: runningVersion });
      expect(policy.current().version).toBe(runningVersion);
      expect(await auditSince(hub, before)).toContainEqual(expect.objectContaining({ event: 'policy-loaded', decision: 'deny', outcome: 'CONFIG_INVALID' }));

      const sent = await police.send('POST', '/v1/messages', { body: await kit.seal(await kit.claims()), headers: jose });
      expect(sent.status).toBe(202);
      expect((JSON.parse(sent.text) as { recipients: unknown[] }).recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });
    });
    expect(await hub.hub.reloadPolicy()).toEqual({ ok: true, version: runningVersion });
  });
});
