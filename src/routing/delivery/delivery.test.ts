import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../redis/index.js';
import { createTestPki, startDeliveryWorkerProcess, startWebhookReceiver, testAuditLog, waitUntil, type TestPki, type WebhookReceiver } from '../../../test/support/delivery-fixtures.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createDelivery, type Delivery, type DeliverySettings } from './index.js';
import type { DeliveryRoute } from './ports.js';

let redis: TestRedis;
let pki: TestPki;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [redis, pki] = await Promise.all([startTestRedis(), createTestPki()]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await redis?.stop();
});

const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVydGV4dA.dGFn';

async function receiver(behaviour: 'ok' | 'fail' | 'hang' = 'ok'): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(pki, behaviour);
  cleanups.push(() => started.stop());
  return started;
}

interface Harness {
  delivery: Delivery;
  audit: ReturnType<typeof testAuditLog>;
  failures: Array<{ recipient: string; outcome: string; at: number }>;
  delivered: Array<{ recipient: string; at: number }>;
  /** What the delivery part logged at warn. */
  warnings: Array<{ message: string; meta: Record<string, unknown> }>;
  prefix: string;
  send(messageId: string, recipients: string[], sender?: string): Promise<void>;
}

function harness(routes: Record<string, DeliveryRoute>, settings: Partial<DeliverySettings> = {}, prefix = redis.newPrefix()): Harness {
  const audit = testAuditLog(redis.connect(), prefix);
  const failures: Harness['failures'] = [];
  const delivered: Harness['delivered'] = [];
  const warnings: Harness['warnings'] = [];
  const delivery = createDelivery({
    logger: { warn: (message, meta) => warnings.push({ message, meta }) },
    redis: { target: { url: redis.url } },
    prefix,
    settings: { attempts: 5, backoffMs: 20, maxBackoffMs: 200, timeoutMs: 5000, concurrency: 4, inboxTtlSeconds: 3600, closeTimeoutMs: 500, ...settings },
    audit,
    routeFor: (agencyId) => routes[agencyId],
    tls: { cert: pki.hubClient.cert, key: pki.hubClient.key, ca: pki.caPem },
    metrics: {
      attemptFailed: (recipient, outcome) => failures.push({ recipient, outcome, at: Date.now() }),
      delivered: (recipient) => delivered.push({ recipient, at: Date.now() }),
    },
  });
  cleanups.push(() => delivery.close());
  delivery.startWorkers(Object.keys(routes));
  return {
    delivery,
    audit,
    failures,
    delivered,
    warnings,
    prefix,
    send: (messageId, recipients, sender = 'nv-police') =>
      delivery.service.accept(
        messageId,
        sender,
        recipients.map((recipient) => ({ recipient, status: 'queued' as const })),
        recipients.map((recipient) => ({ messageId, sender, recipient, messageType: 'arrest-notification', jwe: JWE })),
      ),
  };
}

describe('push delivery over mutual TLS', () => {
  it('POSTs the sealed envelope with the message id; delivered is audited and tracked', async () => {
    const probation = await receiver();
    const hub = harness({ 'nv-probation': { mode: 'push', url: probation.url } });
    await hub.send('msg_push1', ['nv-probation']);
    const [got] = await probation.waitFor(1);
    expect(got?.body).toBe(JWE);
    expect(got?.headers['content-type']).toBe('application/jose');
    expect(got?.headers['isp-message-id']).toBe('msg_push1');
    expect(got?.headers['isp-redelivery']).toBeUndefined();
    expect(got?.clientCn).toBe('isp-hub');
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_push1', 'nv-probation')) === 'delivered', 10_000, 'tracking');
    expect(await hub.audit.entries()).toEqual([
      expect.objectContaining({ event: 'delivered', agency: 'hub', messageId: 'msg_push1', recipients: ['nv-probation'], outcome: 'delivered' }),
    ]);
    const tracking = await hub.delivery.tracking.getForAgency('msg_push1', 'nv-police');
    expect(tracking.recipients).toEqual([expect.objectContaining({ agencyId: 'nv-probation', state: 'delivered' })]);
    await expect(hub.delivery.tracking.getForAgency('msg_push1', 'nv-probation')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('retries while the recipient is down and delivers when it is back, marked as a redelivery', async () => {
    const yot = await receiver();
    await yot.stop();
    const hub = harness({ 'nv-yot': { mode: 'push', url: yot.url } }, { attempts: 20, backoffMs: 50, maxBackoffMs: 300 });
    await hub.send('msg_down1', ['nv-yot']);
    await waitUntil(() => hub.failures.length >= 2, 10_000, 'two failed attempts');
    expect(hub.failures.every((failure) => failure.outcome === 'connection-refused')).toBe(true);
    expect(await hub.delivery.tracking.stateOf('msg_down1', 'nv-yot')).toBe('queued');
    await yot.start();
    const [got] = await yot.waitFor(1);
    expect(got?.headers['isp-message-id']).toBe('msg_down1');
    expect(got?.headers['isp-redelivery']).toBe('true');
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_down1', 'nv-yot')) === 'delivered', 10_000, 'tracking');
    expect(await hub.delivery.deadLetters.count()).toBe(0);
  });

  it('refuses to deliver to an endpoint whose certificate is not from the scheme CA', async () => {
    const otherPki = await createTestPki();
    const impostor = await startWebhookReceiver(otherPki, 'ok');
    cleanups.push(() => impostor.stop());
    const hub = harness({ 'nv-court': { mode: 'push', url: impostor.url } }, { attempts: 2 });
    await hub.send('msg_tls1', ['nv-court']);
    await waitUntil(async () => (await hub.delivery.deadLetters.count()) === 1, 10_000, 'dead letter');
    expect(impostor.received).toEqual([]);
    expect(hub.failures.map((failure) => failure.outcome)).toEqual(['tls-untrusted-certificate', 'tls-untrusted-certificate']);
  });

  it('shows the sender each attempt of a push the endpoint answers with a wrong certificate, and logs each at warn with agency and code', async () => {
    const otherPki = await createTestPki();
    const impostor = await startWebhookReceiver(otherPki, 'ok');
    cleanups.push(() => impostor.stop());
    const hub = harness({ 'nv-court': { mode: 'push', url: impostor.url } }, { attempts: 3 });
    const before = Date.now();
    await hub.send('msg_tls2', ['nv-court']);
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_tls2', 'nv-court')) === 'undeliverable', 10_000, 'undeliverable');
    const [row] = (await hub.delivery.tracking.getForAgency('msg_tls2', 'nv-police')).recipients;
    expect(row).toMatchObject({ agencyId: 'nv-court', state: 'undeliverable', attempts: 3, lastFailure: 'tls-untrusted-certificate' });
    expect(Date.parse(row!.lastAttemptAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(hub.warnings.map((warning) => warning.meta)).toEqual([1, 2, 3].map((attempt) => ({
      agency: 'nv-court',
      code: 'tls-untrusted-certificate',
      messageId: 'msg_tls2',
      attempt,
      maxAttempts: 3,
      ...(attempt === 3 ? { deadLettered: true } : {}),
    })));
    expect(hub.warnings.every((warning) => warning.message === 'push delivery failed')).toBe(true);
  });

  it('counts attempts up to a success and keeps the last failure code beside it', async () => {
    const yot = await receiver('fail');
    const hub = harness({ 'nv-yot': { mode: 'push', url: yot.url } }, { attempts: 10 });
    await hub.send('msg_count1', ['nv-yot']);
    await yot.waitFor(2);
    yot.behaviour = 'ok';
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_count1', 'nv-yot')) === 'delivered', 10_000, 'delivered');
    const [row] = (await hub.delivery.tracking.getForAgency('msg_count1', 'nv-police')).recipients;
    expect(row).toMatchObject({ state: 'delivered', lastFailure: 'http-503' });
    expect(row!.attempts).toBe(yot.received.length);
    expect(row!.attempts).toBeGreaterThanOrEqual(3);
  });

  it('after the last attempt: dead letter, audit entry and undeliverable for the sender; replay delivers it', async () => {
    const prison = await receiver('fail');
    const hub = harness({ 'nv-prison': { mode: 'push', url: prison.url } }, { attempts: 3 });
    await hub.send('msg_dead1', ['nv-prison']);
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_dead1', 'nv-prison')) === 'undeliverable', 10_000, 'undeliverable');
    expect(prison.received).toHaveLength(3);
    const [dead] = await hub.delivery.service.listDeadLetters();
    expect(dead).toMatchObject({ id: 'msg_dead1:nv-prison', attempts: 3, lastOutcome: 'http-503', job: { messageId: 'msg_dead1', jwe: JWE } });
    expect((await hub.audit.entries()).filter((entry) => entry.event === 'delivery-failed')).toEqual([
      expect.objectContaining({ agency: 'hub', messageId: 'msg_dead1', recipients: ['nv-prison'], outcome: 'http-503' }),
    ]);
    const report = await hub.delivery.tracking.getForAgency('msg_dead1', 'nv-police');
    expect(report.recipients[0]).toMatchObject({ state: 'undeliverable', reason: expect.stringContaining('3 times') });

    prison.behaviour = 'ok';
    await hub.delivery.service.replay('msg_dead1:nv-prison');
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_dead1', 'nv-prison')) === 'delivered', 10_000, 'delivered');
    const replayed = prison.received.at(-1);
    expect(replayed?.headers['isp-message-id']).toBe('msg_dead1');
    expect(replayed?.headers['isp-redelivery']).toBe('true');
    expect(await hub.delivery.deadLetters.count()).toBe(0);
    expect((await hub.audit.entries()).map((entry) => entry.event)).toEqual(['delivery-failed', 'delivery-replayed', 'delivered']);
    await expect(hub.delivery.service.replay('msg_dead1:nv-prison')).rejects.toMatchObject({ code: 'DELIVERY_NOT_FOUND' });
    await expect(hub.delivery.service.replay('garbage')).rejects.toMatchObject({ code: 'DELIVERY_NOT_FOUND' });
  });

  it('delivers a message enqueued twice once, also when the second enqueue comes after delivery', async () => {
    const cps = await receiver();
    const hub = harness({ 'nv-cps': { mode: 'push', url: cps.url } }, { concurrency: 1 });
    await Promise.all([hub.send('msg_dup1', ['nv-cps']), hub.send('msg_dup1', ['nv-cps'])]);
    await cps.waitFor(1);
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_dup1', 'nv-cps')) === 'delivered', 10_000, 'delivered');
    // Once BullMQ has let go of the finished job, tracking still knows.
    await hub.delivery.queue.removeJob('nv-cps', 'msg_dup1');
    await hub.send('msg_dup1', ['nv-cps']);
    // With one delivery at a time per recipient, a later message arriving means the duplicate was dealt with.
    await hub.send('msg_dup2', ['nv-cps']);
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_dup2', 'nv-cps')) === 'delivered', 10_000, 'marker');
    expect(cps.received.map((got) => got.headers['isp-message-id'])).toEqual(['msg_dup1', 'msg_dup2']);
  });

  it("delivers a rule's notice once, also when an intake retried after a crash enqueues it again after delivery", async () => {
    const childrens = await receiver();
    const hub = harness({ 'nv-childrens': { mode: 'push', url: childrens.url } }, { concurrency: 1 });
    // A notice travels under its own id beside a message whose own recipient pulls.
    const accept = () =>
      hub.delivery.service.accept('msg_note1', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }], [
        { messageId: 'msg_note1.notice.nv-yot', sender: 'nv-police', recipient: 'nv-childrens', messageType: 'disclosure-notice', jwe: JWE },
      ]);
    await accept();
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_note1.notice.nv-yot', 'nv-childrens')) === 'delivered', 10_000, 'notice delivered');
    await accept();
    await hub.send('msg_note2', ['nv-childrens']);
    await waitUntil(async () => (await hub.delivery.tracking.stateOf('msg_note2', 'nv-childrens')) === 'delivered', 10_000, 'marker');
    expect(childrens.received.map((got) => got.headers['isp-message-id'])).toEqual(['msg_note1.notice.nv-yot', 'msg_note2']);
  });

  it('a slow and a dead recipient do not delay a healthy one', async () => {
    const [healthy, slow, dead] = await Promise.all([receiver('ok'), receiver('hang'), receiver('ok')]);
    await dead.stop();
    const timeoutMs = 5000;
    const hub = harness(
      {
        'nv-probation': { mode: 'push', url: healthy.url },
        'nv-housing': { mode: 'push', url: slow.url },
        'nv-education': { mode: 'push', url: dead.url },
      },
      { concurrency: 2, timeoutMs, attempts: 3, backoffMs: 10, maxBackoffMs: 20 },
    );
    // The troubled recipients' work is queued first, as if they had just received a burst.
    await Promise.all(Array.from({ length: 15 }, (_, i) => hub.send(`msg_burst${i}`, ['nv-housing', 'nv-education'])));
    await waitUntil(() => slow.hanging > 0, timeoutMs, 'the slow recipient to hold a delivery');
    await Promise.all(Array.from({ length: 12 }, (_, i) => hub.send(`msg_iso${i}`, ['nv-probation'])));
    await healthy.waitFor(12, timeoutMs * 3);
    const healthyDone = Math.max(...healthy.received.map((got) => got.at));
    await waitUntil(() => hub.failures.some((failure) => failure.outcome === 'timeout'), timeoutMs * 3, 'first timeout');
    const firstTimeout = Math.min(...hub.failures.filter((failure) => failure.outcome === 'timeout').map((failure) => failure.at));
    // Order, not absolute time: every healthy delivery landed before the slow
    // recipient's first attempt had even timed out, although the slow and the
    // dead recipients' work was queued first.
    expect(healthyDone, `healthy done ${firstTimeout - healthyDone} ms before the first timeout`).toBeLessThan(firstTimeout);
    expect(hub.failures.some((failure) => failure.recipient === 'nv-education' && failure.outcome === 'connection-refused')).toBe(true);
    expect(hub.failures.filter((failure) => failure.recipient === 'nv-probation')).toEqual([]);
  });
});

describe('pull delivery', () => {
  it('holds the envelope in the recipient’s inbox; only the recipient lists and acks it; only the sender tracks it', async () => {
    const hub = harness({ 'nv-probation': { mode: 'pull' } });
    await hub.send('msg_pull1', ['nv-probation'], 'nv-prison');
    let listing = await hub.delivery.inbox.list('nv-probation');
    await waitUntil(async () => {
      listing = await hub.delivery.inbox.list('nv-probation');
      return listing.items.length === 1;
    }, 10_000, 'inbox item');
    const [item] = listing.items;
    expect(item).toMatchObject({ messageId: 'msg_pull1', sender: 'nv-prison', jwe: JWE });
    expect((await hub.delivery.inbox.list('nv-police')).items).toEqual([]);
    await expect(hub.delivery.inbox.ack('nv-police', item?.id as string)).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
    expect((await hub.delivery.tracking.getForAgency('msg_pull1', 'nv-prison')).recipients[0]?.state).toBe('collected');
    await hub.delivery.inbox.ack('nv-probation', item?.id as string);
    expect((await hub.delivery.tracking.getForAgency('msg_pull1', 'nv-prison')).recipients[0]?.state).toBe('acknowledged');
    await expect(hub.delivery.tracking.getForAgency('msg_pull1', 'nv-probation')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await hub.audit.entries()).map((entry) => [entry.event, entry.agency])).toEqual([
      ['collected', 'nv-probation'],
      ['acknowledged', 'nv-probation'],
    ]);
  });

  it('refuses an unknown recipient before recording or enqueueing anything', async () => {
    const hub = harness({ 'nv-probation': { mode: 'pull' } });
    await expect(hub.send('msg_unknown1', ['nv-nowhere'])).rejects.toMatchObject({ code: 'RECIPIENT_UNKNOWN' });
    await expect(hub.delivery.tracking.getForAgency('msg_unknown1', 'nv-police')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('crash and shutdown', () => {
  it('the worker role sweeps expired inbox items by itself, and close() leaves caller-owned connections open', async () => {
    const prefix = redis.newPrefix();
    const commands = redis.connect();
    const queue = connectRedis({ url: redis.url }, { forBlockingCommands: true });
    // Awaited, and a connection BullMQ already closed is fine: a dropped rejection here fails the run.
    cleanups.push(() => queue.quit().then(
      () => undefined,
      () => undefined,
    ));
    let now = Date.now();
    const audit = testAuditLog(commands, prefix);
    const delivery = createDelivery({
      redis: { commands, queue },
      prefix,
      settings: { attempts: 3, backoffMs: 20, timeoutMs: 2000, concurrency: 2, inboxTtlSeconds: 60, sweepIntervalMs: 50, closeTimeoutMs: 500 },
      audit,
      routeFor: () => ({ mode: 'pull' }),
      tls: { cert: pki.hubClient.cert, key: pki.hubClient.key, ca: pki.caPem },
      clock: () => now,
    });
    cleanups.push(() => delivery.close());
    delivery.startWorkers(['nv-yot']);
    await delivery.service.accept('msg_ttl1', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }], [
      { messageId: 'msg_ttl1', sender: 'nv-police', recipient: 'nv-yot', messageType: 'arrest-notification', jwe: JWE },
    ]);
    await waitUntil(async () => (await commands.zcard(`${prefix}:inbox:agency:nv-yot`)) === 1, 10_000, 'inbox item');
    now += 61_000;
    await waitUntil(async () => (await delivery.tracking.stateOf('msg_ttl1', 'nv-yot')) === 'undeliverable', 10_000, 'expiry');
    expect((await audit.entries()).map((entry) => [entry.event, entry.outcome])).toEqual([['expired', 'uncollected']]);
    await delivery.close();
    expect(await commands.ping()).toBe('PONG');
    expect(await queue.ping()).toBe('PONG');
  });

  it('a job re-run after its worker was killed mid-delivery carries the same id and says it is a redelivery', async () => {
    const childs = await receiver('hang');
    const prefix = redis.newPrefix();
    const child = await startDeliveryWorkerProcess({ redisUrl: redis.url, prefix, recipient: 'nv-childrens', url: childs.url, pki });
    cleanups.push(() => {
      child.kill('SIGKILL');
    });
    const producer = createDelivery({
      redis: { target: { url: redis.url } },
      prefix,
      settings: { attempts: 3, backoffMs: 50, timeoutMs: 60_000, concurrency: 1, inboxTtlSeconds: 3600 },
      audit: testAuditLog(redis.connect(), prefix),
      routeFor: () => ({ mode: 'push', url: childs.url }),
    });
    cleanups.push(() => producer.close());
    await producer.service.accept('msg_crash1', 'nv-police', [{ recipient: 'nv-childrens', status: 'queued' }], [
      { messageId: 'msg_crash1', sender: 'nv-police', recipient: 'nv-childrens', messageType: 'arrest-notification', jwe: JWE },
    ]);
    await waitUntil(() => childs.hanging === 1, 20_000, 'the first attempt to reach the receiver');
    child.kill('SIGKILL');
    childs.behaviour = 'ok';

    const survivor = harness({ 'nv-childrens': { mode: 'push', url: childs.url } }, { lockDurationMs: 1000, stalledIntervalMs: 500 }, prefix);
    const [got] = await childs.waitFor(1, 20_000);
    expect(got?.headers['isp-message-id']).toBe('msg_crash1');
    expect(got?.headers['isp-redelivery']).toBe('true');
    await waitUntil(async () => (await survivor.delivery.tracking.stateOf('msg_crash1', 'nv-childrens')) === 'delivered', 10_000, 'delivered');
  });

  it('close() waits for a delivery in flight only up to its limit, and may be called twice', async () => {
    const slow = await receiver('hang');
    const hub = harness({ 'nv-housing': { mode: 'push', url: slow.url } }, { timeoutMs: 30_000, closeTimeoutMs: 300 });
    await hub.send('msg_close1', ['nv-housing']);
    await waitUntil(() => slow.hanging === 1, 10_000, 'delivery in flight');
    const started = Date.now();
    await Promise.all([hub.delivery.close(), hub.delivery.close()]);
    await hub.delivery.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(hub.failures.map((failure) => failure.outcome)).toEqual(['connection-reset']);
  });
});
