import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('/metrics on a running hub', () => {
  let redis: TestRedis;
  let hub: TestHub;
  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  it('counts messages by type and outcome, decisions by rule, queue depth and audit append latency', async () => {
    const police = await hub.client('nv-police');
    expect((await police.send(await example('arrest-notification'))).status).toBe(202);
    const refused = await police.request('POST', '/v1/messages', 'not.a.jwe');
    expect(refused.status).toBe(400);

    // Not on the API port (it shows sharing volumes per rule); on the loopback metrics listener.
    expect((await police.request('GET', '/metrics')).status).toBe(404);
    const text = await (await fetch(hub.hub.metricsUrl)).text();
    expect(text).toMatch(/isp_hub_messages_total\{type="arrest-notification",outcome="accepted"\} 1/);
    expect(text).toMatch(/isp_hub_messages_total\{type="unopened",outcome="ENVELOPE_MALFORMED"\} 1/);
    expect(text).toMatch(/isp_hub_policy_decisions_total\{rule="cc-arrest-to-offender-manager",decision="permit"\} 1/);
    expect(text).toMatch(/isp_hub_queue_depth\{queue="nv-probation",state="[a-z]+"\} \d+/);
    expect(text).toMatch(/isp_hub_audit_append_seconds_count [1-9]/);
  });
});
