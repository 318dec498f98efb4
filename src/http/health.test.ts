import { X509Certificate } from 'node:crypto';
import express from 'express';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { auditCheckpointCheck, certificateExpiryCheck, healthHandler, type HealthCheck } from './health.js';

async function probe(checks: HealthCheck[], timeoutMs?: number): Promise<{ status: number; body: any }> {
  const app = express();
  app.get('/health', healthHandler(checks, timeoutMs === undefined ? {} : { timeoutMs }));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: response.status, body: await response.json() };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('healthHandler', () => {
  it('fails a check that hangs, after its time limit', async () => {
    const hung: HealthCheck = { name: 'hung', run: () => new Promise(() => undefined) };
    const result = await probe([hung], 100);
    expect(result.status).toBe(503);
    expect(result.body.checks.hung).toEqual({ status: 'fail', detail: { error: 'timeout', timeoutMs: 100 } });
  });

  it('reports a throwing check by error name and code only, never its message', async () => {
    const leaky: HealthCheck = {
      name: 'leaky',
      run: async () => {
        throw Object.assign(new Error('redis://admin:hunter2@db.northvale.example'), { code: 'ECONNREFUSED' });
      },
    };
    const result = await probe([leaky]);
    expect(result.body.checks.leaky).toEqual({ status: 'fail', detail: { error: 'Error', code: 'ECONNREFUSED' } });
    expect(JSON.stringify(result.body)).not.toContain('hunter2');
  });

  it('is 200 with status warn when only warnings are raised', async () => {
    const result = await probe([auditCheckpointCheck(async () => null, 30)]);
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('warn');
  });
});

describe('certificateExpiryCheck', () => {
  it('fails on an expired certificate', async () => {
    const certificate = { validTo: 'Jan  1 00:00:00 2020 GMT' } as X509Certificate;
    const check = certificateExpiryCheck(async () => [{ name: 'old', certificate }], { now: () => new Date('2026-01-01T00:00:00Z') });
    expect(await check.run()).toMatchObject({ status: 'fail', detail: { expiring: [{ name: 'old' }] } });
  });
});
