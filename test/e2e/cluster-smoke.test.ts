import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../support/cli.js';
import { eventually, example, type IntakeBody } from '../support/e2e.js';
import { certsDir, startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import type { TestRedis } from '../support/redis.js';
import { startTestCluster, type TestCluster } from '../support/redis-topologies.js';

const CLI_TIMEOUT = 60_000;

/**
 * The hub on a Redis Cluster of three primaries: every hub key sits in the
 * slot of the REDIS_KEY_PREFIX hash tag, which one of the three holds. Send,
 * deliver, query and verify, and the CLI on REDIS_CLUSTER_NODES or on a
 * REDIS_URL naming any one node (one that does not hold the slot answers
 * MOVED to a plain connection).
 */
describe('the hub on a 3-primary Redis Cluster', () => {
  let cluster: TestCluster;
  let hub: TestHub;
  let receiver: TestReceiver;
  const prefix = `{cl${process.pid}}`;

  beforeAll(async () => {
    cluster = await startTestCluster({ primaries: 3 });
    receiver = await startReceiver('nv-probation');
    // startTestHub names the Redis by URL; a Cluster is named by REDIS_CLUSTER_NODES instead.
    const clusterRedis = { url: '', newPrefix: () => prefix } as unknown as TestRedis;
    hub = await startTestHub(clusterRedis, { push: { 'nv-probation': receiver.url }, env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes.join(',') } });
    receiver.bind(await hub.client('nv-probation'));
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
    await receiver?.close();
    await cluster?.stop();
  });

  it('accepts, delivers, tracks and answers a flag query', async () => {
    const police = await hub.client('nv-police');
    const sent = await police.send<IntakeBody>(await example('arrest-notification'));
    expect(sent.status).toBe(202);
    await eventually(async () => receiver.deliveries.find((delivery) => delivery.messageId === sent.body.id), 30_000, 'the push delivery');
    const tracked = await eventually(async () => {
      const rows = (await police.track<{ recipients: Array<{ agencyId: string; state: string }> }>(sent.body.id)).recipients;
      return rows.some((row) => row.agencyId === 'nv-probation' && row.state === 'delivered') ? rows : undefined;
    });
    expect(tracked).toContainEqual(expect.objectContaining({ agencyId: 'nv-probation', state: 'delivered' }));

    expect((await police.send<IntakeBody>(await example('risk-flag-update'))).status).toBe(202);
    const yot = await hub.client('nv-yot');
    const { answer } = await yot.query(await example('risk-flag-query'));
    expect(((answer as { body?: { flags?: unknown[] } }).body?.flags ?? []).length).toBeGreaterThan(0);
  }, 60_000);

  it('verifies the log and lists dead letters from the CLI, on the Cluster settings and on any one node', async () => {
    await hub.hub.parts.auditLog.checkpoint();
    const common = { REDIS_KEY_PREFIX: prefix, AUDIT_ARCHIVE_DIR: path.join(hub.dataDir, 'audit-archive'), NODE_ENV: 'test', HUB_CERT_DIR: path.join(certsDir, 'hub') };
    const cert = path.join(certsDir, 'hub/signing-cert.pem');
    await readFile(cert);
    const targets = [{ REDIS_CLUSTER_NODES: cluster.nodes.join(','), REDIS_URL: '' }, ...cluster.nodes.map((node) => ({ REDIS_URL: `redis://${node}`, REDIS_CLUSTER_NODES: '' }))];
    for (const target of targets) {
      const verified = await runIspHub(['audit', 'verify', '--full', '--cert', cert], { env: { ...common, ...target } });
      expect(verified.stderr).not.toContain('MOVED');
      expect(verified.stdout).toMatch(/^OK: \d+ entries/m);
      expect(verified.code).toBe(0);
    }
    const listed = await runIspHub(['deliveries', 'list-dead'], { env: { ...common, ...targets[1] } });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
  }, CLI_TIMEOUT * 2);
});
