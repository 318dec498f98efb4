import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, example } from '../support/e2e.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('the hub end to end (push and pull)', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let probationReceiver: TestReceiver;

  beforeAll(async () => {
    redis = await startTestRedis();
    probationReceiver = await startReceiver('nv-probation');
    hub = await startTestHub(redis, { push: { 'nv-probation': probationReceiver.url } });
    probationReceiver.bind(await hub.client('nv-probation'));
  });
  afterAll(async () => {
    await hub?.stop();
    await probationReceiver?.close();
    await redis?.stop();
  });

  it('pushes an arrest notification to probation over mutual TLS, minimised and signed by the hub, and tracks it', async () => {
    const police = await hub.client('nv-police');
    const answer = await police.send((await example('arrest-notification')) as never);
    expect(answer.status).toBe(202);
    const body = answer.body as { id: string; recipients: Array<{ agency: string; status: string }> };
    expect(body.recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });
    const delivery = await eventually(async () => probationReceiver.deliveries.find((item) => item.messageId === body.id));
    expect(delivery.claims['iss']).toBe('isp-hub');
    expect(delivery.claims['provenance']).toMatchObject({ messageId: body.id, sender: 'nv-police' });
    const tracking = await eventually(async () => {
      const state = (await police.track<{ recipients: Array<{ agencyId: string; state: string }> }>(body.id)).recipients;
      return state.some((recipient) => recipient.state === 'delivered') ? state : undefined;
    });
    expect(tracking).toContainEqual(expect.objectContaining({ agencyId: 'nv-probation', state: 'delivered' }));
  });

  it('answers the same jti and bytes with the first answer, and other bytes with 409', async () => {
    const police = await hub.client('nv-police');
    const message = await example('arrest-notification');
    const { jwe } = await police.sealForHub(message as never, 'fixed-jti-0001');
    const first = await police.request('POST', '/v1/messages', jwe);
    const again = await police.request('POST', '/v1/messages', jwe);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.toString()).toBe(first.body.toString());
    const { jwe: other } = await police.sealForHub({ ...message, purpose: 'prosecution' } as never, 'fixed-jti-0001');
    const conflict = await police.request('POST', '/v1/messages', other);
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body.toString()).error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it("refuses a message signed by another agency than the one on the connection", async () => {
    const police = await hub.client('nv-police');
    const housing = await hub.client('nv-housing');
    const { jwe } = await police.sealForHub((await example('arrest-notification')) as never);
    const response = await housing.request('POST', '/v1/messages', jwe);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body.toString()).error.code).toBe('SIGNER_NOT_CALLER');
  });

  it("hides one agency's tracking and inbox from another", async () => {
    const police = await hub.client('nv-police');
    const housing = await hub.client('nv-housing');
    const answer = await police.send((await example('arrest-notification')) as never);
    const id = (answer.body as { id: string }).id;
    await expect(housing.track(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(housing.ack('ibx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
  });
});
