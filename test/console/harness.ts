import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createAuditLog, createSubjectKeyer, verifyFullLog, type AuditEntryInput, type AuditLog } from '../../src/audit/index.js';
import { createAuditSearch } from '../../src/audit/search/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createDpoTokenVerifier, createEmbeddedDpoIssuer, type EmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { createApp, createHubMetrics, createHubServer, createRedisRateLimiter, type HubPublicKey } from '../../src/http/index.js';
import { auditRoutes } from '../../src/http/routes/audit.js';
import { auditCatalogFromPolicySet } from '../../src/http/routes/audit-catalog.js';
import { consoleRoutes } from '../../src/http/routes/console.js';
import { HubError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { loadPolicySet, messageSchemasFromMessages } from '../../src/policy/index.js';
import { repoRoot } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A real hub for the console tests: HTTPS (createHubServer with the example
 * hub TLS certificate), a private redis-server, the real audit log filled
 * through its real append, the real search service, the audit routes and the
 * console, and DPO tokens from an embedded issuer. All data is synthetic
 * (the fictional Northvale scheme).
 */

export const AUDIENCE = 'isp-hub-console';
export const ISSUER = 'urn:isp-hub:isp-hub:dpo-issuer';
export const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'console');
const CERTS = path.join(repoRoot, 'certs-example');

/** The people in the synthetic log (identifiers are made up; check rules are not needed by the audit log). */
export const ADULT = { kind: 'pnc', value: '2019/0456789X' } as const;
export const CHILD = { kind: 'localChildId', value: 'NV-C-0042' } as const;
const FILLER_AGENCIES = ['nv-police', 'nv-probation', 'nv-prison', 'nv-court', 'nv-cps', 'nv-drugs'];
const FILLER_PURPOSES = ['catch-and-convict', 'rehabilitate-and-resettle', 'offender-management', 'prosecution'];

export interface ConsoleHub {
  url: string;
  redis: Redis;
  prefix: string;
  auditLog: AuditLog;
  issuer: EmbeddedDpoIssuer;
  /** The DPO issuer's private key, for forging tokens in tests. */
  issuerKey: KeyObject;
  /** The hub signing certificate (checkpoints). */
  hubCertificate: X509Certificate;
  /** Seqs of the entries the tests look at. */
  seqs: { adultDisclosure: number; adultRefusal: number; childDisclosure: number; policeToYotOnly: number };
  token(input: { agencyId: string; name?: string; scheme?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleHub(): Promise<ConsoleHub> {
  const testRedis: TestRedis = await startTestRedis({ appendOnly: false });
  const redis = testRedis.connect();
  const prefix = testRedis.newPrefix();
  const certificate = new X509Certificate(await readFile(path.join(CERTS, 'hub/signing-cert.pem')));
  const privateKey = createPrivateKey(await readFile(path.join(CERTS, 'hub/signing-key.pem')));
  let fixedTime: Date | undefined;
  const auditLog = createAuditLog({ redis, prefix, signer: { privateKey, certificate }, origin: 'isp-hub', clock: () => fixedTime ?? new Date() });
  const subjectKeyer = createSubjectKeyer(Buffer.alloc(32, 7));
  const policySet = await loadPolicySet(path.join(repoRoot, 'policies'), messageSchemasFromMessages());
  const catalog = auditCatalogFromPolicySet(() => policySet);
  const auditSearch = createAuditSearch({ redis, prefix, auditLog, subjectKeyer, catalog });
  const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const issuer = await createEmbeddedDpoIssuer(ISSUER, issuerKey);
  const verifier = createDpoTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });

  // --- the synthetic log
  const adultKey = subjectKeyer(ADULT);
  const childKey = subjectKeyer(CHILD);
  const at = (daysAgo: number, minute: number) => new Date(Date.now() - daysAgo * 86_400_000 + minute * 60_000 - 6 * 3_600_000);
  const append = async (time: Date, input: AuditEntryInput) => {
    fixedTime = time;
    const entry = await auditLog.append(input);
    fixedTime = undefined;
    return entry.seq;
  };
  for (let index = 0; index < 60; index += 1) {
    const from = FILLER_AGENCIES[index % FILLER_AGENCIES.length] as string;
    const to = FILLER_AGENCIES[(index + 1 + (index % 3)) % FILLER_AGENCIES.length] as string;
    await append(at(9 - (index % 10), index), {
      event: 'disclosure',
      agency: from,
      actor: { id: `staff-${100 + index}`, role: 'case-worker' },
      subjectKeys: [subjectKeyer({ kind: 'crn', value: `X${String(400000 + index)}` })],
      subjectCategory: 'convicted',
      messageId: `msg_filler${String(index).padStart(8, '0')}`,
      messageType: 'ppo-status-change',
      purpose: FILLER_PURPOSES[index % FILLER_PURPOSES.length],
      legalBases: ['cda-1998-s115'],
      ruleIds: ['cc-ppo-status-to-justice-partners'],
      decision: 'permit',
      fieldsDisclosed: ['subject.pnc', 'status'],
      fieldsWithheld: [],
      recipients: [to],
      outcome: 'queued',
    });
  }
  await append(at(2, 0), {
    event: 'collection', agency: 'nv-police', actor: { id: 'PC-4471', role: 'custody-officer' }, subjectKeys: [adultKey], subjectCategory: 'suspect',
    messageId: 'msg_adult00000001', messageType: 'arrest-notification', purpose: 'catch-and-convict', outcome: 'accepted',
  });
  const adultDisclosure = await append(at(2, 1), {
    event: 'disclosure', agency: 'nv-police', actor: { id: 'PC-4471', role: 'custody-officer' }, subjectKeys: [adultKey], subjectCategory: 'suspect',
    messageId: 'msg_adult00000001', messageType: 'arrest-notification', purpose: 'catch-and-convict', legalBases: ['cda-1998-s115'],
    ruleIds: ['cc-arrest-to-offender-manager'], policyVersion: 'a1b2c3d4e5f60718', decision: 'permit',
    fieldsDisclosed: ['subject.name', 'subject.pnc', 'arrest.time', 'arrest.offences'], fieldsWithheld: ['subject.address', 'arrest.custodyNotes'],
    recipients: ['nv-probation'], outcome: 'queued', reason: 'Permitted: arrest notification to the offender manager under Crime and Disorder Act 1998, section 115.',
  });
  const adultRefusal = await append(at(2, 2), {
    event: 'refusal', agency: 'nv-police', actor: { id: 'PC-4471', role: 'custody-officer' }, subjectKeys: [adultKey], subjectCategory: 'suspect',
    messageId: 'msg_adult00000001', messageType: 'arrest-notification', purpose: 'catch-and-convict', ruleIds: ['f-housing-no-offences-or-health'],
    decision: 'deny', fieldsWithheld: ['arrest.offences'], recipients: ['nv-housing'], outcome: 'denied', reason: 'Refused: housing may not receive offence details.',
  });
  await append(at(2, 5), {
    event: 'collected', agency: 'nv-probation', actor: { id: 'OM-2210', role: 'offender-manager' }, subjectKeys: [adultKey],
    messageId: 'msg_adult00000001', messageType: 'arrest-notification', recipients: ['nv-probation'], outcome: 'collected',
  });
  const childDisclosure = await append(at(1, 0), {
    event: 'disclosure', agency: 'nv-police', actor: { id: 'PC-5120', role: 'custody-officer' }, subjectKeys: [childKey], subjectCategory: 'child-at-risk', isChild: true,
    messageId: 'msg_child00000001', messageType: 'arrest-notification', purpose: 'prevent-and-deter', legalBases: ['cda-1998-s115', 'ca-2004-s10'],
    ruleIds: ['ca-arrest-of-child-to-yot'], decision: 'permit', fieldsDisclosed: ['subject.name', 'arrest.time'], fieldsWithheld: ['subject.school'],
    recipients: ['nv-yot'], outcome: 'queued',
  });
  await append(at(1, 1), {
    event: 'refusal', agency: 'nv-police', subjectKeys: [childKey], subjectCategory: 'child-at-risk', isChild: true, messageId: 'msg_child00000001',
    messageType: 'arrest-notification', purpose: 'prevent-and-deter', decision: 'deny', recipients: ['nv-education'], outcome: 'denied', reason: 'No rule permits this sharing (default deny).',
  });
  const policeToYotOnly = childDisclosure;
  await auditLog.checkpoint();
  await append(at(0, -30), {
    event: 'acknowledged', agency: 'nv-yot', actor: { id: 'YOT-118', role: 'case-manager' }, subjectKeys: [childKey], messageId: 'msg_child00000001',
    messageType: 'arrest-notification', recipients: ['nv-yot'], outcome: 'acknowledged',
  });
  await auditLog.checkpoint();

  const stream = new PassThrough();
  stream.resume();
  const logger = createLogger({ stream, level: 'warn' });
  const signingKey: HubPublicKey = { kid: 'hub-sig-1', use: 'sig', alg: 'ES256', key: privateKey, certificateChain: [certificate] };
  const config = {
    NODE_ENV: 'test' as const,
    HUB_ID: 'isp-hub',
    ENVELOPE_MAX_BYTES: 262_144,
    MAX_JSON_DEPTH: 32,
    TRUSTED_PROXIES: undefined,
    CLIENT_CERT_HEADER: 'x-client-cert',
    HOST: '127.0.0.1',
    PORT: 0,
    HEADERS_TIMEOUT_MS: 10_000,
    REQUEST_TIMEOUT_MS: 30_000,
    KEEP_ALIVE_TIMEOUT_MS: 5_000,
  };
  const app = createApp({
    config,
    logger,
    identify: () => {
      throw new HubError('CLIENT_CERT_REQUIRED', 'no agency routes in this test');
    },
    audit: auditLog,
    rateLimiter: createRedisRateLimiter({ redis, keyPrefix: prefix, limit: 100_000, windowMs: 60_000 }),
    authenticationFailureLimiter: createRedisRateLimiter({ redis, keyPrefix: prefix, limit: 100_000, windowMs: 60_000 }),
    metrics: createHubMetrics({ processMetrics: false }),
    hubKeys: () => [signingKey],
    routes: {
      public: [
        auditRoutes({
          verifier,
          auditLog,
          auditSearch,
          catalog,
          redis,
          prefix,
          verifyFull: (onProgress) => verifyFullLog({ redis, prefix, hubCertificate: certificate, onProgress, batchSize: 16 }),
          // The hub's own default, so the browser tests show the console works within it.
          rateLimiter: createRedisRateLimiter({ redis, keyPrefix: `${prefix}:dpo`, limit: loadConfig({}).DPO_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }),
        }),
        consoleRoutes(),
      ],
    },
  });
  const server = createHubServer({
    app,
    tls: {
      key: await readFile(path.join(CERTS, 'hub/tls-key.pem')),
      cert: await readFile(path.join(CERTS, 'hub/tls-cert.pem')),
      ca: await readFile(path.join(CERTS, 'ca/cert.pem')),
    },
    config,
    logger,
    closeGraceMs: 500,
  });
  const { url } = await server.listen();
  return {
    url,
    redis,
    prefix,
    auditLog,
    issuer,
    issuerKey,
    hubCertificate: certificate,
    seqs: { adultDisclosure, adultRefusal, childDisclosure, policeToYotOnly },
    token: ({ agencyId, name = 'Alex Testperson', scheme = false }) => issuer.issue({ agencyId, name, schemeDpo: scheme, ttlSeconds: 900, audience: AUDIENCE }),
    close: async () => {
      await server.close();
      await testRedis.stop();
    },
  };
}

/** GET/POST against the hub from Node, trusting the example scheme CA (no browser). */
/**
 * A console hub and the two DPO tokens the audit API tests call with: the
 * scheme manager's, who may read every agency's entries, and housing's own
 * DPO's, who may read only housing's.
 */
export async function startConsoleHubWithDpos(): Promise<{ hub: ConsoleHub; scheme: string; housing: string }> {
  const hub = await startConsoleHub();
  try {
    const scheme = await hub.token({ agencyId: 'nv-police', name: 'Robin Testperson', scheme: true });
    const housing = await hub.token({ agencyId: 'nv-housing', name: 'Sam Testperson' });
    return { hub, scheme, housing };
  } catch (error) {
    await hub.close();
    throw error;
  }
}

export async function callApi(
  hubUrl: string,
  pathAndQuery: string,
  options: { token?: string; authorization?: string; method?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; json: () => any }> {
  const ca = await readFile(path.join(CERTS, 'ca/cert.pem'));
  const target = new URL(pathAndQuery, hubUrl);
  const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: options.method ?? 'GET', ca, headers: authorization ? { authorization } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newConsolePage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A refused API call shows as 'Failed to load resource' in the console: expected in the scope tests.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
