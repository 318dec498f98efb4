import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../audit/index.js';
import { createDelivery } from '../../routing/delivery/index.js';
import { runIspHub } from '../../../test/support/cli.js';
import { createTestPki, startWebhookReceiver, testAuditLog, waitUntil, type TestPki, type WebhookReceiver } from '../../../test/support/delivery-fixtures.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';

let redis: TestRedis;
let pki: TestPki;
let receiver: WebhookReceiver;

beforeAll(async () => {
  [redis, pki] = await Promise.all([startTestRedis(), createTestPki()]);
  receiver = await startWebhookReceiver(pki, 'fail');
});
afterAll(async () => {
  await receiver?.stop();
  await redis?.stop();
});

/** Each CLI run starts tsx from source: slow on a busy machine. */
const CLI_TEST_TIMEOUT_MS = 180_000;
const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVydGV4dA.dGFn';

describe('isp-hub deliveries', () => {
  it('lists a dead letter and replays it: delivered, audited as delivery-replayed in the audit log', async () => {
    const prefix = redis.newPrefix();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix };
    const hub = createDelivery({
      redis: { target: { url: redis.url } },
      prefix,
      settings: { attempts: 2, backoffMs: 20, timeoutMs: 5000, concurrency: 2, inboxTtlSeconds: 3600, closeTimeoutMs: 500 },
      audit: testAuditLog(redis.connect(), prefix),
      routeFor: () => ({ mode: 'push', url: receiver.url }),
      tls: { cert: pki.hubClient.cert, key: pki.hubClient.key, ca: pki.caPem },
    });
    try {
      hub.startWorkers(['nv-prison']);
      await hub.service.accept('msg_cli1', 'nv-court', [{ recipient: 'nv-prison', status: 'queued' }], [
        { messageId: 'msg_cli1', sender: 'nv-court', recipient: 'nv-prison', messageType: 'court-outcome', jwe: JWE },
      ]);
      await waitUntil(async () => (await hub.deadLetters.count()) === 1, 10_000, 'dead letter');

      const listed = await runIspHub(['deliveries', 'list-dead', '--json'], { env });
      expect(listed.code).toBe(0);
      const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
      expect(rows).toEqual([
        expect.objectContaining({ id: 'msg_cli1:nv-prison', sender: 'nv-court', messageType: 'court-outcome', attempts: 2, lastOutcome: 'http-503' }),
      ]);
      expect(listed.stdout).not.toContain(JWE);

      receiver.behaviour = 'ok';
      const replayed = await runIspHub(['deliveries', 'replay', '--id', 'msg_cli1:nv-prison', '--operator', 'ops.alex-testperson'], { env });
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain('replayed msg_cli1:nv-prison');
      await waitUntil(async () => (await hub.tracking.stateOf('msg_cli1', 'nv-prison')) === 'delivered', 10_000, 'delivered');
      expect(receiver.received.at(-1)?.headers['isp-redelivery']).toBe('true');

      const auditLog = createAuditLog({ redis: redis.connect(), prefix });
      const entries = await auditLog.getEntries(Array.from({ length: await auditLog.size() }, (_, seq) => seq));
      expect(entries.map((entry) => entry.event)).toEqual(['delivery-failed', 'delivery-replayed', 'delivered']);
      expect(entries[1]).toMatchObject({
        event: 'delivery-replayed',
        agency: 'hub',
        actor: { id: 'ops.alex-testperson', role: 'operator' },
        messageId: 'msg_cli1',
        recipients: ['nv-prison'],
      });
      expect((await runIspHub(['deliveries', 'replay', '--all'], { env })).stdout).toContain('no dead letters');
    } finally {
      await hub.close();
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('refuses unclear or unknown requests with stable codes', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.newPrefix() };
    const [neither, both, unknown, noRedis] = await Promise.all([
      runIspHub(['deliveries', 'replay'], { env }),
      runIspHub(['deliveries', 'replay', '--all', '--id', 'msg_x:nv-yot'], { env }),
      runIspHub(['deliveries', 'replay', '--id', 'msg_none:nv-yot'], { env }),
      runIspHub(['deliveries', 'list-dead'], { env: { REDIS_URL: '', REDIS_SENTINELS: '', REDIS_CLUSTER_NODES: '' } }),
    ]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('BAD_REQUEST');
    expect(both.stderr).toContain('BAD_REQUEST');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('DELIVERY_NOT_FOUND');
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toContain('CONFIG_INVALID');
  }, CLI_TEST_TIMEOUT_MS);
});
