import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../support/cli.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { example } from '../support/e2e.js';
import { waitFor } from './harness.js';

interface Tracking {
  recipients: Array<{ agencyId: string; state: string; reason?: string }>;
}

/**
 * A recipient down for longer than the retry window (DELIVERY_ATTEMPTS x
 * backoff): the delivery becomes a dead letter, the sender's tracking says
 * `undeliverable` with a reason, the failure is audited, and an operator's
 * `isp-hub deliveries replay` delivers it once the recipient is back.
 */
describe('a recipient down for longer than the retry window', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let receiver: TestReceiver;

  beforeAll(async () => {
    redis = await startTestRedis();
    receiver = await startReceiver('nv-probation');
    hub = await startTestHub(redis, { push: { 'nv-probation': receiver.url }, env: { DELIVERY_ATTEMPTS: '3', DELIVERY_BACKOFF_MS: '50' } });
    receiver.bind(await hub.client('nv-probation'));
  });
  afterAll(async () => {
    await hub?.stop();
    await receiver?.close();
    await redis?.stop();
  });

  it('dead-letters the delivery, reports it undeliverable to the sender, and delivers it on replay', async () => {
    const police = await hub.client('nv-police');
    receiver.setAvailable(false);
    const answer = await police.send((await example('arrest-notification')) as never);
    expect(answer.status).toBe(202);
    const id = (answer.body as { id: string }).id;

    let tracking: Tracking | undefined;
    await waitFor(
      async () => {
        tracking = await police.track<Tracking>(id);
        return tracking.recipients.some((recipient) => recipient.agencyId === 'nv-probation' && recipient.state === 'undeliverable');
      },
      30_000,
      'the delivery to be reported undeliverable',
    );
    const reported = tracking!.recipients.find((recipient) => recipient.agencyId === 'nv-probation');
    expect(reported?.reason).toMatch(/dead letter/);
    expect(receiver.deliveries).toEqual([]);

    // Nothing silently dropped: the dead letter is kept, and the failure is audited.
    const deadLetters = await hub.hub.parts.delivery.service.listDeadLetters();
    expect(deadLetters.map((record) => record.id)).toEqual([`${id}:nv-probation`]);
    const auditLog = hub.hub.parts.auditLog;
    const entries = await auditLog.getEntries(Array.from({ length: await auditLog.size() }, (_, seq) => seq));
    expect(entries.filter((entry) => entry.event === 'delivery-failed' && entry.messageId === id)).toHaveLength(1);

    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: hub.prefix };
    const listed = await runIspHub(['deliveries', 'list-dead', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: `${id}:nv-probation`, sender: 'nv-police', attempts: 3 })]);

    receiver.setAvailable(true);
    const replayed = await runIspHub(['deliveries', 'replay', '--id', `${id}:nv-probation`, '--operator', 'ops.alex-testperson'], { env });
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`replayed ${id}:nv-probation`);

    await waitFor(() => receiver.deliveries.some((delivery) => delivery.messageId === id), 30_000, 'the replayed delivery');
    const delivered = receiver.deliveries.find((delivery) => delivery.messageId === id)!;
    expect(delivered.redelivery).toBe(true);
    expect(delivered.claims['provenance']).toMatchObject({ messageId: id, sender: 'nv-police' });
    await waitFor(
      async () => (await police.track<Tracking>(id)).recipients.some((recipient) => recipient.agencyId === 'nv-probation' && recipient.state === 'delivered'),
      15_000,
      'tracking to say delivered',
    );
    expect(await hub.hub.parts.delivery.service.listDeadLetters()).toEqual([]);
    const after = await auditLog.getEntries(Array.from({ length: await auditLog.size() }, (_, seq) => seq));
    expect(after.filter((entry) => entry.event === 'delivery-replayed' && entry.messageId === id)).toEqual([
      expect.objectContaining({ actor: { id: 'ops.alex-testperson', role: 'operator' } }),
    ]);
  }, 180_000);
});
