import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgencyClientFromFiles, type AgencyClient } from '../../src/client/index.js';
import type { InboxListing } from '../../src/routing/delivery/index.js';
import { sharingEntries, eventually, example, trackUntil, type IntakeBody, type TrackingBody } from '../support/e2e.js';
import { certsDir, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * What the hub refuses, and how each refusal looks to the caller and in the
 * audit log: a client certificate that is expired or revoked (401 before any
 * body is read), a signer who is not the agency on the connection (403), a
 * replayed jti (same bytes: the first answer; other bytes: 409), and a
 * recipient the policy denies (answered per recipient with rule and reason).
 */
describe('refusals end to end', () => {
  let redis: TestRedis;
  let hub: TestHub;
  const extraClients: AgencyClient[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
  });
  afterAll(async () => {
    extraClients.forEach((client) => client.close());
    await hub?.stop();
    await redis?.stop();
  });

  it.each([
    ['expired-police', 'CERT_EXPIRED'],
    ['revoked-police', 'CERT_REVOKED'],
  ])('answers a client with the %s certificate 401 %s and audits authentication-failed', async (folder, code) => {
    const client = await createAgencyClientFromFiles({
      hubUrl: hub.url,
      agencyId: 'nv-police',
      agencyDir: path.join(certsDir, 'test-only', folder),
      caCertFile: path.join(certsDir, 'ca/cert.pem'),
    });
    extraClients.push(client);
    const before = await hub.hub.parts.auditLog.size();
    // A well-formed message from the genuine police key: refused on the certificate alone.
    const { jwe } = await (await hub.client('nv-police')).sealForHub(await example('arrest-notification'));
    for (const [method, route, body] of [['POST', '/v1/messages', jwe], ['GET', '/v1/inbox', undefined]] as const) {
      const response = await client.request(method, route, body);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body.toString()).error.code).toBe(code);
    }
    const entries = (await sharingEntries(hub)).slice(before);
    const failures = entries.filter((entry) => entry.event === 'authentication-failed');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatchObject({ decision: 'deny', outcome: code });
    expect(failures[0]!.reason).toMatch(/x5t#S256 [A-Za-z0-9_-]{43}/);
    // Nothing was collected from the refused request.
    expect(entries.filter((entry) => entry.event === 'collection')).toEqual([]);
  });

  it('refuses a message signed by another agency than the TLS caller with 403 SIGNER_NOT_CALLER, audited', async () => {
    const police = await hub.client('nv-police');
    const housing = await hub.client('nv-housing');
    const before = await hub.hub.parts.auditLog.size();
    const { jwe } = await police.sealForHub(await example('arrest-notification'));
    const response = await housing.request('POST', '/v1/messages', jwe);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body.toString()).error.code).toBe('SIGNER_NOT_CALLER');
    const entries = (await sharingEntries(hub)).slice(before);
    expect(entries).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-housing', outcome: 'SIGNER_NOT_CALLER' })]);
  });

  it('answers a replay of the same bytes with the first answer (one collection, one delivery) and other bytes with 409', async () => {
    const police = await hub.client('nv-police');
    const probation = await hub.client('nv-probation');
    const message = await example('arrest-notification');
    const { jwe } = await police.sealForHub(message, 'replay-jti-0001');
    const first = await police.request('POST', '/v1/messages', jwe);
    const again = await police.request('POST', '/v1/messages', jwe);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.toString()).toBe(first.body.toString());
    const id = (JSON.parse(first.body.toString()) as IntakeBody).id;

    const { jwe: other } = await police.sealForHub({ ...message, purpose: 'offender-management' }, 'replay-jti-0001');
    const conflict = await police.request('POST', '/v1/messages', other);
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body.toString()).error.code).toBe('IDEMPOTENCY_CONFLICT');

    await eventually(async () => ((await probation.inbox<InboxListing>()).items.some((item) => item.messageId === id) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Unacknowledged items stay listed, so this listing holds every copy the replay could have made.
    const held = (await probation.inbox<InboxListing>({ limit: 100 })).items.filter((item) => item.messageId === id);
    expect(held).toHaveLength(1);
    const events = (await sharingEntries(hub)).filter((entry) => entry.messageId === id).map((entry) => entry.event);
    expect(events.filter((event) => event === 'collection')).toHaveLength(1);
    expect(events.filter((event) => event === 'disclosure')).toHaveLength(1);
  });

  it('denies housing an arrest notification per recipient, with the rule and reason, while probation gets it', async () => {
    const police = await hub.client('nv-police');
    const answer = await police.send<IntakeBody>({ ...(await example('arrest-notification')), to: ['nv-probation', 'nv-housing'] });
    expect(answer.status).toBe(202);
    const denied = answer.body.recipients.find((recipient) => recipient.agency === 'nv-housing');
    expect(denied).toMatchObject({ status: 'denied', rule: 'f-housing-no-criminal-justice-notices' });
    expect((denied as { reason: string }).reason.length).toBeGreaterThan(0);
    expect((denied as { reason: string }).reason).not.toContain('Testperson');
    expect(answer.body.recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });

    const tracking = await police.track<TrackingBody>(answer.body.id);
    expect(tracking.recipients).toContainEqual(
      expect.objectContaining({ agencyId: 'nv-housing', state: 'denied', ruleIds: expect.arrayContaining(['f-housing-no-criminal-justice-notices']) }),
    );
    const refusal = (await sharingEntries(hub)).find((entry) => entry.messageId === answer.body.id && entry.event === 'refusal');
    expect(refusal).toMatchObject({ decision: 'deny', recipients: ['nv-housing'], outcome: 'denied' });
    expect(refusal!.ruleIds).toContain('f-housing-no-criminal-justice-notices');

    // Probation's copy is held; housing's inbox never sees the arrest.
    await trackUntil(police, answer.body.id, 'nv-probation', 'queued');
    const housing = await hub.client('nv-housing');
    expect((await housing.inbox<InboxListing>()).items.filter((item) => item.messageId === answer.body.id)).toEqual([]);
  });

  it('denies housing asking the police for offence details: no rule lets housing ask', async () => {
    const housing = await hub.client('nv-housing');
    const request = await example('information-request');
    const answer = await housing.send<IntakeBody>({ ...request, purpose: 'resettlement-housing', actor: { id: 'HSG-0410', role: 'housing-officer' } });
    expect(answer.status).toBe(202);
    expect(answer.body.recipients).toHaveLength(1);
    // Default deny: no deciding rule, and a reason in words.
    expect(answer.body.recipients[0]).toEqual({ agency: 'nv-police', status: 'denied', rule: null, reason: expect.stringMatching(/^Refused: no rule permits Northvale Housing Options/) });
    const tracking = await housing.track<TrackingBody>(answer.body.id);
    expect(tracking.recipients).toEqual([expect.objectContaining({ agencyId: 'nv-police', state: 'denied' })]);
  });
});
