import { describe, expect, it } from 'vitest';
import { outcomeForError } from './push-client.js';

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
