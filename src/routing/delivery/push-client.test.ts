import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, startWebhookReceiver, type TestPki } from '../../../test/support/delivery-fixtures.js';
import { createPushClient, outcomeForError, type PushClient } from './push-client.js';

const failure = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('push failure codes', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls-untrusted-certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls-untrusted-certificate'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-untrusted-certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-wrong-identity'],
    ['CERT_HAS_EXPIRED', 'tls-certificate-expired'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tls-client-certificate-refused'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'tls-client-certificate-refused'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['ECONNREFUSED', 'connection-refused'],
    ['ECONNRESET', 'connection-reset'],
    ['ENOTFOUND', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'network-error'],
  ])('%s is %s', (code, expected) => {
    expect(outcomeForError(failure(code))).toBe(expected);
  });
});

describe('push connections', () => {
  let pki: TestPki;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function endpoint(certificate: 'host' | 'agency') {
    const receiver = await startWebhookReceiver(certificate === 'host' ? pki : { ...pki, receiverServer: pki.agencyServer });
    cleanups.push(() => receiver.stop());
    return receiver;
  }

  function pushClient(): PushClient {
    const push = createPushClient({ tls: { cert: pki.hubClient.cert, key: pki.hubClient.key, ca: pki.caPem }, timeoutMs: 5000, maxSocketsPerOrigin: 4 });
    cleanups.push(() => push.close());
    return push;
  }

  const post = (push: PushClient, url: string, index: number, recipient: string) =>
    push.post(url, 'sealed', { 'content-type': 'application/jose', 'isp-message-id': `msg_keepalive${index}` }, recipient);

  it('reuses kept-alive connections to a recipient rather than a TLS handshake per push', async () => {
    const receiver = await endpoint('host');
    const push = pushClient();
    const results = await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        const answers = [];
        for (let index = 0; index < 10; index += 1) answers.push(await post(push, receiver.url, lane * 10 + index, 'nv-probation'));
        return answers;
      }),
    );
    expect(results.flat().every((result) => result.ok)).toBe(true);
    expect(receiver.received).toHaveLength(40);
    expect(receiver.connections).toBeLessThanOrEqual(4);
  });

  it('checks the endpoint for each recipient: a connection it proved itself on to one agency is not reused for another', async () => {
    // The certificate names no host, only nv-probation: it proves the endpoint is nv-probation's, and nobody else's.
    const receiver = await endpoint('agency');
    const push = pushClient();
    expect(await post(push, receiver.url, 1, 'nv-probation')).toEqual({ ok: true, status: 204 });
    expect(await post(push, receiver.url, 2, 'nv-yot')).toEqual({ ok: false, outcome: 'tls-wrong-identity' });
    expect(await post(push, receiver.url, 3, 'nv-probation')).toEqual({ ok: true, status: 204 });
    expect(receiver.received.map((delivery) => delivery.headers['isp-message-id'])).toEqual(['msg_keepalive1', 'msg_keepalive3']);
  });
});
