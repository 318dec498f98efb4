import { HubError } from '../errors.js';

/**
 * Reading compact serialisations (RFC 7515 s.7.1, RFC 7516 s.7.1) before any
 * cryptography runs, so that malformed input costs a split and a regex, not
 * a key agreement.
 */

/** base64url without padding (RFC 7515 s.2, RFC 4648 s.5). A length of 4n+1 cannot be produced by any byte string. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function decodeSegment(segment: string, what: string): Buffer {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw new HubError('ENVELOPE_MALFORMED', `the ${what} segment is not base64url`, { segment: what });
  }
  return Buffer.from(segment, 'base64url');
}

/** Decodes a protected header: it must be UTF-8 JSON whose top level is an object (RFC 7515 s.4). */
export function decodeProtectedHeader(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HubError('ENVELOPE_HEADER_INVALID', `the ${what} is not JSON`, { segment: what });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HubError('ENVELOPE_HEADER_INVALID', `the ${what} is not a JSON object`, { segment: what });
  }
  return parsed as Record<string, unknown>;
}

export interface CompactJwe {
  protectedHeader: Record<string, unknown>;
  encryptedKey: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Splits a compact JWE into its five segments (RFC 7516 s.7.1). */
export function parseCompactJwe(compact: string): CompactJwe {
  const parts = compact.split('.');
  if (parts.length !== 5) {
    throw new HubError('ENVELOPE_MALFORMED', 'a compact JWE has five segments', { parts: parts.length });
  }
  const [header, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  if (header.length === 0) throw new HubError('ENVELOPE_MALFORMED', 'the JWE protected header is empty');
  return {
    protectedHeader: decodeProtectedHeader(header, 'JWE protected header'),
    encryptedKey: decodeSegment(encryptedKey, 'JWE encrypted key'),
    iv: decodeSegment(iv, 'JWE initialization vector'),
    ciphertext: decodeSegment(ciphertext, 'JWE ciphertext'),
    tag: decodeSegment(tag, 'JWE authentication tag'),
  };
}

/**
 * Segment sizes once the header has passed the allow-lists: with A256GCM the
 * IV is 96 bits and the tag 128 bits (RFC 7518 s.5.3), and both allowed
 * key-management algorithms carry an encrypted key, so none may be empty.
 */
export function assertEnvelopeJweSegments(jwe: CompactJwe): void {
  if (jwe.encryptedKey.length === 0 || jwe.ciphertext.length === 0) {
    throw new HubError('ENVELOPE_MALFORMED', 'the JWE has an empty encrypted key or ciphertext');
  }
  if (jwe.iv.length !== 12 || jwe.tag.length !== 16) {
    throw new HubError('ENVELOPE_MALFORMED', 'A256GCM needs a 96-bit IV and a 128-bit tag');
  }
}

export interface CompactJws {
  protectedHeader: Record<string, unknown>;
  payload: Buffer;
  signature: Buffer;
}

/** Splits a compact JWS into its three segments (RFC 7515 s.7.1). */
export function parseCompactJws(compact: string): CompactJws {
  const parts = compact.split('.');
  if (parts.length !== 3) {
    throw new HubError('ENVELOPE_MALFORMED', 'a compact JWS has three segments', { parts: parts.length });
  }
  const [header, payload, signature] = parts as [string, string, string];
  if (header.length === 0) throw new HubError('ENVELOPE_MALFORMED', 'the JWS protected header is empty');
  return {
    protectedHeader: decodeProtectedHeader(header, 'JWS protected header'),
    payload: decodeSegment(payload, 'JWS payload'),
    signature: decodeSegment(signature, 'JWS signature'),
  };
}
