import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { createClientCertificateReader } from './client-certificate.js';

function fakeRequest(remoteAddress: string, header?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: header === undefined ? {} : { 'x-client-cert': header } } as unknown as IncomingMessage;
}

describe('client certificate reader in proxy mode', () => {
  const reader = createClientCertificateReader({ trustedProxies: ['10.20.0.0/16', '::1'], headerName: 'X-Client-Cert' });

  it('believes the header from a trusted range, IPv4-mapped addresses included', () => {
    for (const address of ['10.20.3.4', '::ffff:10.20.3.4', '::1']) {
      expect(() => reader.read(fakeRequest(address, 'garbage'))).toThrow(expect.objectContaining({ code: 'CERT_MALFORMED' }));
    }
  });

  it('ignores the header from anywhere else', () => {
    for (const address of ['10.21.0.1', '127.0.0.1', '::ffff:10.21.0.1']) expect(reader.read(fakeRequest(address, 'garbage'))).toBeUndefined();
  });

  it('treats an absent or nginx "(null)" header from the proxy as no certificate', () => {
    expect(reader.read(fakeRequest('10.20.0.1'))).toBeUndefined();
    expect(reader.read(fakeRequest('10.20.0.1', '(null)'))).toBeUndefined();
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or range with CONFIG_INVALID', () => {
    for (const entry of ['proxy.northvale.example', '10.0.0.0/40', '10.0.0.0/x']) {
      try {
        createClientCertificateReader({ trustedProxies: [entry], headerName: 'x-client-cert' });
        expect.unreachable();
      } catch (error) {
        expect(isHubError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
