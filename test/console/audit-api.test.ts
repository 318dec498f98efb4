import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint, verifyConsistency, verifyInclusion, type AuditEntry } from '../../src/audit/index.js';
import { ADULT, AUDIENCE, CHILD, ISSUER, callApi, startConsoleHubWithDpos, type ConsoleHub } from './harness.js';

let hub: ConsoleHub;
let scheme: string;
let housing: string;

beforeAll(async () => {
  ({ hub, scheme, housing } = await startConsoleHubWithDpos());
});
afterAll(async () => {
  await hub?.close();
});

const subjectQuery = (subject: { kind: string; value: string }) => `subject.kind=${encodeURIComponent(subject.kind)}&subject.value=${encodeURIComponent(subject.value)}`;

async function lastEntries(count: number): Promise<AuditEntry[]> {
  const size = await hub.auditLog.size();
  return hub.auditLog.getEntries(Array.from({ length: count }, (_, index) => size - count + index));
}

describe('DPO bearer tokens on /v1/audit (RFC 6750)', () => {
  it('no token: 401 TOKEN_MISSING with WWW-Authenticate: Bearer', async () => {
    const answer = await callApi(hub.url, '/v1/audit/entries');
    expect(answer.status).toBe(401);
    expect(answer.json().error.code).toBe('TOKEN_MISSING');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="isp-hub-audit"$/);
  });

  it('a non-bearer Authorization header: 401 TOKEN_INVALID', async () => {
    const answer = await callApi(hub.url, '/v1/audit/entries', { authorization: 'Basic YWxleDpzZWNyZXQ=' });
    expect(answer.status).toBe(401);
    expect(answer.json().error.code).toBe('TOKEN_INVALID');
  });

  it('forged tokens are refused: alg none, wrong issuer, wrong audience, another key (TOKEN_INVALID); expired (TOKEN_EXPIRED)', async () => {
    const claims = { name: 'Mallory Testperson', agency: 'nv-police', scope: 'scheme' };
    const sign = (builder: SignJWT, key = hub.issuerKey) => builder.setProtectedHeader({ alg: 'ES256', kid: 'dpo-1', typ: 'JWT' }).sign(key);
    const base = () => new SignJWT(claims).setSubject('nv-police/mallory').setIssuedAt();
    const forged = {
      algNone: new UnsecuredJWT(claims).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('nv-police/mallory').setIssuedAt().setExpirationTime('5m').encode(),
      wrongIssuer: await sign(base().setIssuer('https://login.elsewhere.example/').setAudience(AUDIENCE).setExpirationTime('5m')),
      wrongAudience: await sign(base().setIssuer(ISSUER).setAudience('another-service').setExpirationTime('5m')),
      otherKey: await sign(base().setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    };
    for (const [name, token] of Object.entries(forged)) {
      const answer = await callApi(hub.url, '/v1/audit/entries', { token });
      expect({ name, status: answer.status, code: answer.json().error.code }).toEqual({ name, status: 401, code: 'TOKEN_INVALID' });
      expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(new SignJWT(claims).setSubject('nv-police/mallory').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now - 3600).setExpirationTime(now - 600));
    const answer = await callApi(hub.url, '/v1/audit/entries', { token: expired });
    expect(answer.status).toBe(401);
    expect(answer.json().error.code).toBe('TOKEN_EXPIRED');
  });

  it('unknown paths under /v1/audit: 401 without a token, 404 NOT_FOUND with one', async () => {
    expect((await callApi(hub.url, '/v1/audit/nothing-here')).json().error.code).toBe('TOKEN_MISSING');
    const answer = await callApi(hub.url, '/v1/audit/nothing-here', { token: scheme });
    expect(answer.status).toBe(404);
    expect(answer.json().error.code).toBe('NOT_FOUND');
  });
});

describe('search, view and export', () => {
  it('searches by subject, newest first, and records the search as audit-read', async () => {
    const answer = await callApi(hub.url, `/v1/audit/entries?${subjectQuery(ADULT)}`, { token: scheme });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const events = (answer.json().entries as AuditEntry[]).map((entry) => entry.event);
    expect(events).toEqual(['collected', 'refusal', 'disclosure', 'collection']);
    const [read] = await lastEntries(1);
    expect(read).toMatchObject({ event: 'audit-read', agency: 'hub', actor: { id: 'nv-police/robin-testperson', role: 'scheme-dpo' }, outcome: 'search' });
    expect(JSON.stringify(read)).not.toContain(ADULT.value);
  });

  it('pages with a cursor and never repeats an entry', async () => {
    const seen = new Set<number>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await callApi(hub.url, `/v1/audit/entries?event=disclosure&limit=25${cursor ? `&cursor=${cursor}` : ''}`, { token: scheme });
      const page = answer.json() as { entries: AuditEntry[]; nextCursor?: string };
      for (const entry of page.entries) {
        expect(seen.has(entry.seq)).toBe(false);
        seen.add(entry.seq);
      }
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.size).toBe(62);
    expect(pages).toBe(3);
  });

  it('refuses malformed filters with BAD_REQUEST naming the parameter, never its value', async () => {
    const answer = await callApi(hub.url, '/v1/audit/entries?subject.kind=pnc&subject.value=2019%2F0456789X&colour=blue', { token: scheme });
    expect(answer.status).toBe(400);
    expect(answer.json().error.code).toBe('BAD_REQUEST');
    expect(answer.body).not.toContain('0456789');
    const half = await callApi(hub.url, '/v1/audit/entries?subject.kind=pnc', { token: scheme });
    expect(half.json().error.code).toBe('BAD_REQUEST');
    const cursor = await callApi(hub.url, '/v1/audit/entries?cursor=not-ours', { token: scheme });
    expect(cursor.json().error.code).toBe('AUDIT_CURSOR_INVALID');
  });

  it('an entry comes with titles, citations, rule description, recipient states and an inclusion proof the standalone verifier accepts', async () => {
    const answer = await callApi(hub.url, `/v1/audit/entries/${hub.seqs.adultDisclosure}`, { token: scheme });
    expect(answer.status).toBe(200);
    const view = answer.json();
    expect(view.explanation.purpose).toMatchObject({ code: 'catch-and-convict', title: 'Catch and Convict' });
    expect(view.explanation.legalBases[0]).toMatchObject({ code: 'cda-1998-s115', title: 'Crime and Disorder Act 1998, section 115' });
    expect(view.explanation.legalBases[0].citation).toContain('c.37 s.115');
    expect(view.explanation.rules[0].id).toBe('cc-arrest-to-offender-manager');
    expect(view.explanation.rules[0].description).toMatch(/offender manager/);
    expect(view.recipients).toEqual([expect.objectContaining({ agency: 'nv-probation', name: 'Northvale Probation Delivery Unit', state: 'collected' })]);
    const checkpoint = await verifyCheckpoint(view.checkpoint.jws, hub.hubCertificate);
    expect(verifyInclusion(view.entry, view.proof, checkpoint)).toBe(true);
    const [read] = await lastEntries(1);
    expect(read).toMatchObject({ event: 'audit-read', outcome: 'view' });
  });

  it('exports CSV and JSONL as attachments, each export recorded', async () => {
    const csv = await callApi(hub.url, `/v1/audit/export.csv?${subjectQuery(CHILD)}`, { token: scheme });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="audit-export.csv"');
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^seq,id,time,event,agency/);
    expect(lines).toHaveLength(4);
    const jsonl = await callApi(hub.url, `/v1/audit/export.jsonl?${subjectQuery(CHILD)}`, { token: scheme });
    const entries = jsonl.body.trim().split('\n').map((line) => JSON.parse(line) as AuditEntry);
    expect(entries.map((entry) => entry.event)).toEqual(['acknowledged', 'refusal', 'disclosure']);
    const reads = await lastEntries(2);
    expect(reads.map((entry) => entry.outcome)).toEqual(['export-csv', 'export-jsonl']);
  });

  it('the subject access report as JSON and CSV', async () => {
    const report = (await callApi(hub.url, `/v1/audit/subject-report?kind=pnc&value=${encodeURIComponent(ADULT.value)}`, { token: scheme })).json();
    expect(report.disclosures).toHaveLength(1);
    expect(report.disclosures[0].legalBases[0].title).toBe('Crime and Disorder Act 1998, section 115');
    expect(report.refusals).toHaveLength(1);
    const csv = await callApi(hub.url, `/v1/audit/subject-report?kind=pnc&value=${encodeURIComponent(ADULT.value)}&format=csv`, { token: scheme });
    expect(csv.headers['content-disposition']).toBe('attachment; filename="subject-report.csv"');
    expect(csv.body.split(/\r?\n/)[0]).toMatch(/^section,seq,entryId/);
  });
});

describe('agency DPO scope', () => {
  it('asking for another agency by name: 403 FORBIDDEN (search and export)', async () => {
    for (const path of ['/v1/audit/entries?agency=nv-police', '/v1/audit/export.csv?agency=nv-police']) {
      const answer = await callApi(hub.url, path, { token: housing });
      expect(answer.status).toBe(403);
      expect(answer.json().error.code).toBe('FORBIDDEN');
    }
    expect((await callApi(hub.url, '/v1/audit/entries?agency=nv-housing', { token: housing })).status).toBe(200);
  });

  it('a subject search shows only entries the agency took part in', async () => {
    const page = (await callApi(hub.url, `/v1/audit/entries?${subjectQuery(ADULT)}`, { token: housing })).json() as { entries: AuditEntry[] };
    expect(page.entries.map((entry) => entry.seq)).toEqual([hub.seqs.adultRefusal]);
    const child = (await callApi(hub.url, `/v1/audit/entries?${subjectQuery(CHILD)}`, { token: housing })).json() as { entries: AuditEntry[] };
    expect(child.entries).toEqual([]);
  });

  it('another agency\'s entry answers 404 AUDIT_NOT_FOUND exactly like a missing one, in view and proofs', async () => {
    const hidden = await callApi(hub.url, `/v1/audit/entries/${hub.seqs.adultDisclosure}`, { token: housing });
    const missing = await callApi(hub.url, '/v1/audit/entries/999999', { token: housing });
    expect(hidden.status).toBe(404);
    expect(hidden.json()).toEqual(missing.json());
    expect(hidden.json().error.code).toBe('AUDIT_NOT_FOUND');
    const size = (await hub.auditLog.latestCheckpoint())?.checkpoint.treeSize ?? 0;
    const proof = await callApi(hub.url, `/v1/audit/proofs/inclusion?seq=${hub.seqs.adultDisclosure}&treeSize=${size}`, { token: housing });
    expect(proof.status).toBe(404);
    expect(proof.json().error.code).toBe('AUDIT_NOT_FOUND');
    const own = await callApi(hub.url, `/v1/audit/entries/${hub.seqs.adultRefusal}`, { token: housing });
    expect(own.status).toBe(200);
  });

  it('the subject report and overview are limited to the agency', async () => {
    const report = (await callApi(hub.url, `/v1/audit/subject-report?kind=pnc&value=${encodeURIComponent(ADULT.value)}`, { token: housing })).json();
    expect(report.scope).toBe('nv-housing');
    expect(report.disclosures).toEqual([]);
    expect(report.refusals).toHaveLength(1);
    const overview = (await callApi(hub.url, '/v1/audit/overview', { token: housing })).json();
    expect(overview.totals).toEqual({ shared: 0, refused: 1, childShared: 0, childRefused: 0 });
  });
});

describe('checkpoints, proofs, verification and overview', () => {
  it('the latest checkpoint comes with the previous one, and their consistency proof holds', async () => {
    const latest = (await callApi(hub.url, '/v1/audit/checkpoints/latest', { token: scheme })).json();
    expect(latest.previous).not.toBeNull();
    const newer = await verifyCheckpoint(latest.jws, hub.hubCertificate);
    const older = await verifyCheckpoint(latest.previous.jws, hub.hubCertificate);
    const proof = (await callApi(hub.url, `/v1/audit/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`, { token: scheme })).json();
    expect(verifyConsistency(proof, older, newer)).toBe(true);
    const bySize = await callApi(hub.url, `/v1/audit/checkpoints/${older.treeSize}`, { token: scheme });
    expect(bySize.json().jws).toBe(latest.previous.jws);
    const none = await callApi(hub.url, '/v1/audit/checkpoints/3', { token: scheme });
    expect(none.status).toBe(404);
    expect(none.json().error.code).toBe('AUDIT_CHECKPOINT_NOT_FOUND');
  });

  it('overview: sharing by pair and purpose per day, refusals by rule, children; recorded as audit-read', async () => {
    const overview = (await callApi(hub.url, '/v1/audit/overview', { token: scheme })).json();
    expect(overview.days).toHaveLength(30);
    expect(overview.totals).toEqual({ shared: 62, refused: 2, childShared: 1, childRefused: 1 });
    const pairTotal = overview.sharingByAgencyPair.reduce((sum: number, pair: { total: number }) => sum + pair.total, 0);
    expect(pairTotal).toBe(62);
    expect(overview.sharingByAgencyPair).toContainEqual(expect.objectContaining({ from: 'nv-police', to: 'nv-yot', total: 1 }));
    expect(overview.sharingByPurpose).toContainEqual(expect.objectContaining({ purpose: 'prevent-and-deter', title: 'Prevent and Deter', total: 1 }));
    expect(overview.refusalsByRule.map((item: { rule: string }) => item.rule).sort()).toEqual(['default-deny', 'f-housing-no-offences-or-health']);
    expect(overview.children.shared.reduce((a: number, b: number) => a + b, 0)).toBe(1);
    const [read] = await lastEntries(1);
    expect(read).toMatchObject({ event: 'audit-read', outcome: 'overview' });
    // Finished days are kept; a second load gives the same figures.
    const again = (await callApi(hub.url, '/v1/audit/overview', { token: scheme })).json();
    expect(again.totals).toEqual(overview.totals);
    const bad = await callApi(hub.url, '/v1/audit/overview?from=2026-02-30', { token: scheme });
    expect(bad.json().error.code).toBe('BAD_REQUEST');
  });

  it("overview: a query answered counts once, as the hub disclosing from its register to the asker, not its reading", async () => {
    const before = (await callApi(hub.url, '/v1/audit/overview', { token: scheme })).json();
    const query = {
      agency: 'nv-probation', actor: { id: 'OM-2210', role: 'offender-manager' }, subjectKeys: ['c'.repeat(64)], subjectCategory: 'convicted' as const,
      messageId: 'msg_query0000000001', messageType: 'risk-flag-query', purpose: 'offender-management', ruleIds: ['t-probation-asks-police-about-adults'], decision: 'permit' as const,
    };
    await hub.auditLog.append({ ...query, event: 'consultation', outcome: 'register-consulted' });
    await hub.auditLog.append({ ...query, event: 'disclosure', recipients: ['nv-probation'], fieldsDisclosed: ['body.flags[].code'], outcome: 'flags-disclosed' });
    const after = (await callApi(hub.url, '/v1/audit/overview', { token: scheme })).json();
    expect(after.totals.shared).toBe(before.totals.shared + 1);
    expect(after.sharingByAgencyPair).toContainEqual(expect.objectContaining({ from: 'hub', to: 'nv-probation', total: 1 }));
  });

  it('a full verification job runs to "passed" and is polled by id', async () => {
    const started = await callApi(hub.url, '/v1/audit/verify', { token: scheme, method: 'POST' });
    expect(started.status).toBe(202);
    const job = started.json();
    expect(started.headers.location).toBe(`/v1/audit/verify/${job.id}`);
    let state = job;
    for (let attempt = 0; attempt < 100 && state.state === 'running'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await callApi(hub.url, `/v1/audit/verify/${job.id}`, { token: scheme })).json();
    }
    expect(state.state).toBe('passed');
    expect(state).not.toHaveProperty('problem');
    expect(state.checked).toBeGreaterThanOrEqual(67);
    const unknown = await callApi(hub.url, '/v1/audit/verify/vj_000000000000000000000000', { token: scheme });
    expect(unknown.json().error.code).toBe('NOT_FOUND');
  });

  it('every audit route is in /openapi.json with bearer security', async () => {
    const document = (await callApi(hub.url, '/openapi.json')).json();
    for (const path of ['/v1/audit/entries', '/v1/audit/entries/{seq}', '/v1/audit/export.csv', '/v1/audit/subject-report', '/v1/audit/checkpoints/latest', '/v1/audit/proofs/inclusion', '/v1/audit/verify', '/v1/audit/overview']) {
      const operation = Object.values(document.paths[path] ?? {})[0] as { security: unknown } | undefined;
      expect({ path, security: operation?.security }).toEqual({ path, security: [{ bearer: [] }] });
    }
  });
});
