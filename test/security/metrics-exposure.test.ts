import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditEventually, caller, type Caller } from './support.js';

/**
 * /metrics counts every query's decision by rule: sharing volumes by purpose
 * and agency pair, children's included. Nobody who merely reaches the API
 * port may read them; they are on the metrics listener (loopback here).
 */
let redis: TestRedis;
let hub: TestHub;
let anonymous: Caller;
let police: Caller;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis);
  anonymous = await caller(hub.url);
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  const yot = await hub.client('nv-yot');
  await yot.query(await example('risk-flag-query'));
});
afterAll(async () => {
  anonymous?.close();
  police?.close();
  await hub?.stop();
  await redis?.stop();
});

describe('metrics exposure', () => {
  it('answers /metrics on the API port without a certificate as any unknown path: 401, audited, no figures', async () => {
    const before = await hub.hub.parts.auditLog.size();
    const answer = await anonymous.send('GET', '/metrics');
    expect(answer.status).toBe(401);
    expect(answer.code).toBe('CLIENT_CERT_REQUIRED');
    expect(answer.text).not.toContain('isp_hub_');
    const entries = await auditEventually(hub, before, (entry) => entry.event === 'authentication-failed');
    expect(entries.filter((entry) => entry.event === 'authentication-failed')).toEqual([expect.objectContaining({ agency: 'unknown', outcome: 'CLIENT_CERT_REQUIRED' })]);
  });

  it('gives an agency 404 for /metrics on the API port', async () => {
    const answer = await police.send('GET', '/metrics');
    expect(answer.status).toBe(404);
    expect(answer.code).toBe('NOT_FOUND');
    expect(answer.text).not.toContain('isp_hub_');
  });

  it('serves the per-rule figures on the loopback metrics listener only', async () => {
    const url = new URL(hub.hub.metricsUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).not.toBe(new URL(hub.url).port);
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/isp_hub_policy_decisions_total\{rule="pd-risk-flag-query-between-panel-partners",decision="permit"\} [1-9]/);
  });
});
