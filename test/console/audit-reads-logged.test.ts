import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/index.js';
import { ADULT, callApi, startConsoleHub, type ConsoleHub } from './harness.js';

/**
 * Consulting the log is itself recorded (DPA 2018 s.62(1)(c)): every route
 * under /v1/audit writes its audit-read entry. The routes come from the
 * hub's own OpenAPI document, so a route added later without its entry
 * fails here.
 */
let hub: ConsoleHub;
let token: string;

beforeAll(async () => {
  hub = await startConsoleHub();
  token = await hub.token({ agencyId: 'nv-police', name: 'Robin Testperson', scheme: true });
});
afterAll(async () => {
  await hub?.close();
});

interface Operation {
  parameters?: Array<{ name: string; in: 'path' | 'query'; required?: boolean }>;
}

describe('every /v1/audit route in the OpenAPI document', () => {
  it('writes an audit-read entry naming the DPO', async () => {
    const document = (await callApi(hub.url, '/openapi.json')).json() as { paths: Record<string, Record<string, Operation>> };
    const latest = (await hub.auditLog.latestCheckpoint())!.checkpoint.treeSize;
    const started = await callApi(hub.url, '/v1/audit/verify', { token, method: 'POST' });
    expect(started.status).toBe(202);
    // A value for every path and required query parameter the audit routes take.
    const values: Record<string, string> = {
      seq: String(hub.seqs.adultDisclosure),
      size: String(latest),
      job: started.json().id as string,
      treeSize: String(latest),
      from: '1',
      to: String(latest),
      kind: ADULT.kind,
      value: ADULT.value,
    };
    const routes = Object.entries(document.paths).filter(([template]) => template.startsWith('/v1/audit'));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const unlogged: string[] = [];
    for (const [template, methods] of routes) {
      for (const [method, operation] of Object.entries(methods)) {
        let target = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'missing'));
        const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query' && parameter.required);
        if (query.length > 0) target += `?${query.map((parameter) => `${parameter.name}=${encodeURIComponent(values[parameter.name] ?? 'missing')}`).join('&')}`;
        const before = await hub.auditLog.size();
        const answer = await callApi(hub.url, target, { token, method: method.toUpperCase() });
        expect(answer.status, `${method} ${target}: ${answer.body.slice(0, 200)}`).toBeLessThan(300);
        const written = await hub.auditLog.getEntries(Array.from({ length: (await hub.auditLog.size()) - before }, (_, position) => before + position));
        const read = written.find((entry: AuditEntry) => entry.event === 'audit-read' && entry.actor?.id === 'nv-police/robin-testperson');
        if (!read) unlogged.push(`${method.toUpperCase()} ${template}`);
      }
    }
    expect(unlogged).toEqual([]);
  }, 60_000);
});
