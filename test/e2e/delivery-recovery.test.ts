import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../support/cli.js';
import { sharingEntries, eventually, example, trackUntil, type IntakeBody, type TrackingBody } from '../support/e2e.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A push recipient that is down (its endpoint answers 503): retried with
 * backoff until it is back; or, past DELIVERY_ATTEMPTS, a dead letter with an
 * `undeliverable` report the sender sees in tracking, which the operator's
 * `isp-hub deliveries replay` then delivers.
 */
describe('a recipient down, then back; a dead letter, then a replay', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let probation: TestReceiver;
  let police: TestReceiver;

  beforeAll(async () => {
    redis = await startTestRedis();
    probation = await startReceiver('nv-probation');
    police = await startReceiver('nv-police');
    // Seven attempts from 100 ms: at least 3 s before a dead letter (room for the
    // down-then-back case on a loaded machine), at most ~6 s, which fits a test;
    // a long push timeout, so a receiver slowed by load is not sent a second copy.
    hub = await startTestHub(redis, {
      push: { 'nv-probation': probation.url, 'nv-police': police.url },
      env: { DELIVERY_ATTEMPTS: '7', DELIVERY_BACKOFF_MS: '100', DELIVERY_TIMEOUT_MS: '15000' },
    });
    probation.bind(await hub.client('nv-probation'));
    police.bind(await hub.client('nv-police'));
  });
  afterAll(async () => {
    await hub?.stop();
    await probation?.close();
    await police?.close();
    await redis?.stop();
  });

  it('keeps a delivery queued while the recipient answers 503 and delivers it, marked as a redelivery, once it is back', async () => {
    probation.setAvailable(false);
    const sender = await hub.client('nv-police');
    const answer = await sender.send<IntakeBody>(await example('arrest-notification'));
    expect(answer.status).toBe(202);
    expect(answer.body.recipients).toContainEqual({ agency: 'nv-probation', status: 'queued' });

    await new Promise((resolve) => setTimeout(resolve, 250));
    const whileDown = await sender.track<TrackingBody>(answer.body.id);
    expect(whileDown.recipients).toContainEqual(expect.objectContaining({ agencyId: 'nv-probation', state: 'queued' }));
    expect(probation.deliveries.filter((entry) => entry.messageId === answer.body.id)).toEqual([]);

    probation.setAvailable(true);
    const delivered = await eventually(() => probation.deliveries.find((entry) => entry.messageId === answer.body.id), 10_000, 'delivery after recovery');
    expect(delivered.redelivery).toBe(true);
    await trackUntil(sender, answer.body.id, 'nv-probation', 'delivered');
    expect(probation.deliveries.filter((entry) => entry.messageId === answer.body.id)).toHaveLength(1);
    const events = (await sharingEntries(hub)).filter((entry) => entry.messageId === answer.body.id).map((entry) => entry.event);
    expect(events).toContain('delivered');
    expect(events).not.toContain('delivery-failed');
  });

  it('dead-letters after the last attempt, reports undeliverable to the sender, and delivers on `isp-hub deliveries replay`', async () => {
    police.setAvailable(false);
    const prison = await hub.client('nv-prison');
    const answer = await prison.send<IntakeBody>({ ...(await example('custody-release')), to: ['nv-police'] });
    expect(answer.body.recipients).toEqual([{ agency: 'nv-police', status: 'queued' }]);
    const id = answer.body.id;

    const report = await trackUntil(prison, id, 'nv-police', 'undeliverable', 15_000);
    expect(report.reason).toMatch(/failed 7 times/);
    expect(report.reason).toContain('http-503');
    const failed = (await sharingEntries(hub)).find((entry) => entry.event === 'delivery-failed' && entry.messageId === id);
    expect(failed).toMatchObject({ agency: 'hub', recipients: ['nv-police'], outcome: 'http-503' });
    // Other agencies still cannot see the message or its report.
    await expect((await hub.client('nv-housing')).track(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const dead = await hub.hub.parts.delivery.service.listDeadLetters();
    expect(dead).toEqual([expect.objectContaining({ attempts: 7, lastOutcome: 'http-503' })]);
    expect(dead[0]!.job).toMatchObject({ messageId: id, recipientAgencyId: 'nv-police', sender: 'nv-prison' });

    police.setAvailable(true);
    // The operator's command, as a separate process against the same Redis and prefix.
    const replayed = await runIspHub(['deliveries', 'replay', '--id', dead[0]!.id, '--operator', 'ops.sam-operator'], {
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: hub.prefix },
    });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain(`replayed ${dead[0]!.id}`);

    const delivery = await eventually(() => police.deliveries.find((entry) => entry.messageId === id), 10_000, 'replayed delivery');
    expect(delivery.redelivery).toBe(true);
    expect((delivery.claims['body'] as Record<string, unknown>)['needs']).toBeUndefined();
    await trackUntil(prison, id, 'nv-police', 'delivered');
    const entries = (await sharingEntries(hub)).filter((entry) => entry.messageId === id);
    expect(entries.map((entry) => entry.event)).toEqual(['collection', 'disclosure', 'delivery-failed', 'delivery-replayed', 'delivered']);
    expect(entries.find((entry) => entry.event === 'delivery-replayed')?.actor).toEqual({ id: 'ops.sam-operator', role: 'operator' });
    expect(await hub.hub.parts.delivery.service.listDeadLetters()).toEqual([]);
  });
});
