// Test support only: building hostile envelopes by hand and asserting codes.
import { CompactEncrypt, CompactSign } from 'jose';
import assert from 'node:assert/strict';
import { isHubError, type HubErrorCode } from '../errors.js';
import type { TestRecipient } from './test-fixtures.js';

const encoder = new TextEncoder();

export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Awaits a promise that must reject with a HubError of this code; returns nothing it resolved to. */
export async function expectHubError(promise: Promise<unknown>, code: HubErrorCode): Promise<void> {
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await promise };
  } catch (error) {
    outcome = { rejected: error };
  }
  // node:assert rather than vitest's expect, so this file does not tie the build to a dev dependency.
  assert.ok(!('resolved' in outcome), `expected ${code}, but the promise resolved`);
  const error = outcome.rejected;
  assert.equal(isHubError(error) ? error.code : error, code);
}

/** A compact JWS with any header, signed by jose with any key it accepts. */
export async function signRaw(header: Record<string, unknown> & { alg: string }, payload: unknown, key: Parameters<CompactSign['sign']>[0]): Promise<string> {
  const bytes = typeof payload === 'string' ? encoder.encode(payload) : encoder.encode(JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader(header).sign(key);
}

/** Encrypts any inner text to a recipient as a well-formed envelope JWE (the header may be overridden). */
export async function encryptRaw(inner: string, recipient: TestRecipient, header: Record<string, unknown> = {}): Promise<string> {
  const alg = recipient.kind === 'RSA-2048' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW';
  return new CompactEncrypt(encoder.encode(inner))
    .setProtectedHeader({ alg, enc: 'A256GCM', cty: 'isp-message+jws', kid: recipient.kid, ...header })
    .encrypt(recipient.publicKey);
}

/** Changes one character in the middle of one segment of a compact serialisation, keeping its length. */
export function tamperSegment(compact: string, index: number): string {
  const parts = compact.split('.');
  const segment = parts[index];
  if (segment === undefined || segment.length < 2) throw new TypeError('no such segment to tamper with');
  const at = Math.floor(segment.length / 2);
  const replacement = segment[at] === 'A' ? 'B' : 'A';
  parts[index] = segment.slice(0, at) + replacement + segment.slice(at + 1);
  return parts.join('.');
}
