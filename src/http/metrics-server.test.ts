import { describe, expect, it } from 'vitest';
import { loadConfig, metricsPortOf } from '../config/index.js';
import { createHubMetrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';

const TOKEN = 'scrape-credential-for-tests-0123456789abcdef';

async function withServer(token: string | undefined, run: (url: string) => Promise<void>): Promise<void> {
  const metrics = createHubMetrics({ processMetrics: false });
  metrics.policyDecision({ rule: 'pd-risk-flag-query-between-panel-partners', decision: 'permit' });
  const server = createMetricsServer({ metrics, host: '127.0.0.1', port: 0, token });
  const { url } = await server.listen();
  try {
    await run(url);
  } finally {
    await server.close();
  }
}

describe('the metrics listener', () => {
  it('serves GET /metrics on loopback, and nothing else', async () => {
    await withServer(undefined, async (url) => {
      const answer = await fetch(url);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(await answer.text()).toContain('isp_hub_policy_decisions_total{rule="pd-risk-flag-query-between-panel-partners",decision="permit"} 1');
      const other = await fetch(url.replace('/metrics', '/health'));
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    });
  });

  it('with a scrape credential, refuses a scrape without it or with another (401 TOKEN_INVALID) and serves one with it', async () => {
    await withServer(TOKEN, async (url) => {
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }]) {
        const refused = await fetch(url, { headers });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
        const text = await refused.text();
        expect(JSON.parse(text)).toMatchObject({ error: { code: 'TOKEN_INVALID' } });
        expect(text).not.toContain('isp_hub_');
      }
      const served = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(served.status).toBe(200);
      expect(await served.text()).toContain('isp_hub_policy_decisions_total');
    });
  });
});

describe('metrics settings', () => {
  it('refuses a METRICS_HOST off the machine without a METRICS_TOKEN (CONFIG_INVALID), and accepts it with one', () => {
    expect(() => loadConfig({ METRICS_HOST: '0.0.0.0' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { variables: ['METRICS_HOST', 'METRICS_TOKEN'] } }));
    expect(loadConfig({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN }).METRICS_HOST).toBe('0.0.0.0');
    expect(loadConfig({}).METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({ METRICS_HOST: '::1' }).METRICS_TOKEN).toBeUndefined();
  });

  it('defaults the port to 9464, or a free one when the API takes a free one', () => {
    expect(metricsPortOf(loadConfig({}))).toBe(9464);
    expect(metricsPortOf(loadConfig({ PORT: '0' }))).toBe(0);
    expect(metricsPortOf(loadConfig({ PORT: '0', METRICS_PORT: '9100' }))).toBe(9100);
    expect(() => loadConfig({ PORT: '9464' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { variables: ['METRICS_PORT', 'PORT'] } }));
  });
});
