import { describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { createTestCa } from '../../test/http/support/test-pki.js';
import { createHubServer } from './server.js';

const config = { HOST: '127.0.0.1', PORT: 0, HEADERS_TIMEOUT_MS: 40_000, REQUEST_TIMEOUT_MS: 30_000, KEEP_ALIVE_TIMEOUT_MS: 5_000 };

describe('createHubServer', () => {
  it('refuses a header timeout longer than the request timeout with CONFIG_INVALID naming both settings', () => {
    try {
      createHubServer({ app: () => undefined, tls: { key: '', cert: '', ca: '' }, config });
      expect.unreachable();
    } catch (error) {
      expect(isHubError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain('HEADERS_TIMEOUT_MS');
    }
  });

  it('close() before listen() resolves, and may be repeated', async () => {
    const ca = await createTestCa();
    const hubTls = await ca.issue({ commonName: 'isp-hub', usage: 'server' });
    const hub = createHubServer({
      app: () => undefined,
      tls: { key: hubTls.keyPem, cert: hubTls.certPem, ca: ca.certPem },
      config: { ...config, HEADERS_TIMEOUT_MS: 1000 },
    });
    await hub.close();
    await hub.close();
    expect(hub.server.listening).toBe(false);
  });
});
