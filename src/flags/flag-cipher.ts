import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';

/**
 * AES-256-GCM for flag values at rest (NIST SP 800-38D): a fresh 96-bit IV per
 * write, and the flag's slot (subject key, holder, flag code) as additional
 * authenticated data, so a ciphertext copied to another subject or flag fails
 * to decrypt instead of silently moving a risk flag onto someone else.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface FlagCipher {
  encrypt(plaintext: string, slot: string): string;
  decrypt(sealed: string, slot: string): string;
  /**
   * An opaque, stable name for a flag code, so the register's keys do not show
   * which kind of flag a subject carries. HMAC under a key derived from the
   * flag key (HKDF, RFC 5869), so it cannot be reversed by trying every code.
   */
  opaqueName(text: string): string;
}

export function createFlagCipher(key: Buffer): FlagCipher {
  if (key.length !== 32) throw new TypeError('flag encryption key must be 32 bytes');
  const nameKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'isp-hub flag names', 32));
  return {
    opaqueName(text) {
      return createHmac('sha256', nameKey).update(text, 'utf8').digest('base64url').slice(0, 22);
    },
    encrypt(plaintext, slot) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(slot, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(sealed, slot) {
      const bytes = Buffer.from(sealed, 'base64');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new HubError('INTERNAL', 'flag record is damaged');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(slot, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new HubError('INTERNAL', 'flag record failed authentication');
      }
    },
  };
}
