import { randomUUID } from 'node:crypto';
import { CompactEncrypt, CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/entry.js';
import type { EnvelopeClaims } from '../../src/envelope/index.js';
import { REFUSED_VALUE_PLACEHOLDER } from '../../src/messages/sender-ids.js';
import { thumbprintS256 } from '../../src/pki/thumbprint.js';
import { messageIdFor } from '../../src/routing/message-id.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditSince, caller, envelopeKit, jose, type Caller, type EnvelopeKit } from './support.js';

/**
 * A correctly signed message or query always leaves an audit trace: the
 * staff ids and token ids real systems use are accepted by the message
 * schemas and the audit log alike (one rule, src/messages/sender-ids.ts),
 * and a value the rule refuses is refused with its own code and audited
 * with the value replaced by a placeholder, never dropped with the entry.
 */

let redis: TestRedis;
let hub: TestHub;
let police: Caller;
let yot: Caller;
let policeKit: EnvelopeKit;
let yotKit: EnvelopeKit;
const encoder = new TextEncoder();

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis);
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  yot = await caller(hub.url, await agencyCredentials('nv-yot'));
  policeKit = await envelopeKit(hub, 'nv-police');
  yotKit = await envelopeKit(hub, 'nv-yot');
});
afterAll(async () => {
  police?.close();
  yot?.close();
  await hub?.stop();
  await redis?.stop();
});

/** Signs and encrypts as a well-behaved agency system would, without the SDK's own checks on the claims. */
async function sealAsIs(kit: EnvelopeKit, claims: EnvelopeClaims): Promise<string> {
  const inner = await new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', typ: 'isp-message+jws', 'x5t#S256': thumbprintS256(kit.certificate) })
    .sign(kit.signingKey);
  return new CompactEncrypt(encoder.encode(inner))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'isp-message+jws', kid: kit.hubKey.kid })
    .encrypt(kit.hubKey.publicKey);
}

async function post(who: Caller, path: string, compact: string): Promise<{ status: number; code: string | undefined; body: Record<string, unknown>; gained: AuditEntry[] }> {
  const before = await hub.hub.parts.auditLog.size();
  const response = await who.send('POST', path, { body: compact, headers: jose });
  return { status: response.status, code: response.code, body: JSON.parse(response.text) as Record<string, unknown>, gained: await auditSince(hub, before) };
}

describe('real staff ids and token ids are accepted and audited', () => {
  it('a message whose actor is jane.doe@police is collected, and the log names her', async () => {
    const claims = await policeKit.claims();
    const actor = { id: 'jane.doe@police', role: 'custody-sergeant' };
    const sent = await post(police, '/v1/messages', await sealAsIs(policeKit, { ...claims, actor }));
    expect(sent.status).toBe(202);
    const collection = sent.gained.find((entry) => entry.event === 'collection');
    expect(collection).toMatchObject({ agency: 'nv-police', actor, correlationId: claims.jti, messageId: messageIdFor('nv-police', String(claims.jti)) });
  });

  it('a permitted query asked by jane.doe@yot is audited as a consultation and a disclosure', async () => {
    const claims = await yotKit.claims({ actor: { id: 'jane.doe@yot', role: 'yot-officer' } }, 'risk-flag-query');
    const asked = await post(yot, '/v1/queries', await sealAsIs(yotKit, claims));
    expect(asked.status).toBe(200);
    // Besides the statistics ledger's own entry for the question: the reading, then what it released.
    const sharing = asked.gained.filter((entry) => !entry.recipients.includes('scheme-statistics'));
    const asker = { decision: 'permit', actor: { id: 'jane.doe@yot', role: 'yot-officer' }, correlationId: claims.jti };
    expect(sharing).toEqual([expect.objectContaining({ ...asker, event: 'consultation' }), expect.objectContaining({ ...asker, event: 'disclosure' })]);
  });

  it('directory-style and token-style ids are accepted too', async () => {
    const jti = `urn:uuid:${randomUUID()}`;
    const claims = await policeKit.claims({ jti, actor: { id: 'NORTHVALE\\j.doe', role: 'custody-sergeant' } });
    const sent = await post(police, '/v1/messages', await sealAsIs(policeKit, claims));
    expect(sent.status).toBe(202);
    expect(sent.gained.find((entry) => entry.event === 'collection')).toMatchObject({ actor: { id: 'NORTHVALE\\j.doe' }, correlationId: jti });
  });
});

describe('a value the rule refuses is refused with its code and audited with a placeholder', () => {
  it.each([
    ['a space', 'jti with space'],
    ['an angle bracket', 'jti<script>'],
  ])('a message whose jti holds %s: 400 CLAIMS_INVALID naming the claim, one refusal naming the actor', async (_what, jti) => {
    const claims = await policeKit.claims({ jti });
    const sent = await post(police, '/v1/messages', await sealAsIs(policeKit, claims));
    expect({ status: sent.status, code: sent.code }).toEqual({ status: 400, code: 'CLAIMS_INVALID' });
    expect((sent.body['error'] as { details: unknown }).details).toMatchObject({ claim: 'jti', expected: expect.any(String) });
    expect(sent.gained).toEqual([
      expect.objectContaining({ event: 'refusal', agency: 'nv-police', outcome: 'CLAIMS_INVALID', correlationId: REFUSED_VALUE_PLACEHOLDER, actor: claims.actor }),
    ]);
    expect(JSON.stringify(sent.gained)).not.toContain(jti);
  });

  it('a query whose jti holds an angle bracket is refused and audited the same way, and the register is not read', async () => {
    const claims = await yotKit.claims({ jti: 'q<1>' }, 'risk-flag-query');
    const asked = await post(yot, '/v1/queries', await sealAsIs(yotKit, claims));
    expect({ status: asked.status, code: asked.code }).toEqual({ status: 400, code: 'CLAIMS_INVALID' });
    expect(asked.gained).toEqual([expect.objectContaining({ event: 'refusal', agency: 'nv-yot', outcome: 'CLAIMS_INVALID', correlationId: REFUSED_VALUE_PLACEHOLDER })]);
    expect(asked.gained.some((entry) => entry.event === 'consultation')).toBe(false);
  });

  it('a message whose actor id holds markup: 422 MESSAGE_INVALID on actor.id, audited with the id replaced and the jti kept', async () => {
    const claims = await policeKit.claims({ actor: { id: 'jane <b>doe</b>', role: 'custody-sergeant' } });
    const sent = await post(police, '/v1/messages', await sealAsIs(policeKit, claims));
    expect({ status: sent.status, code: sent.code }).toEqual({ status: 422, code: 'MESSAGE_INVALID' });
    expect((sent.body['error'] as { details: { issues: unknown[] } }).details.issues).toContainEqual({ path: 'actor.id', code: 'invalid_format' });
    expect(sent.gained).toEqual([
      expect.objectContaining({
        event: 'refusal',
        agency: 'nv-police',
        outcome: 'MESSAGE_INVALID',
        actor: { id: REFUSED_VALUE_PLACEHOLDER, role: 'custody-sergeant' },
        correlationId: claims.jti,
      }),
    ]);
    expect(JSON.stringify(sent.gained)).not.toContain('<b>');
  });
});
