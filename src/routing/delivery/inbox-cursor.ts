import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HubError } from '../../errors.js';

/**
 * The inbox's `nextCursor`: where one agency's listing goes on. It is sealed
 * (AES-256-GCM, the agency id as additional data), so an agency can neither
 * read a position out of it nor use it on another agency's inbox, and the
 * position inside counts that agency's own deliveries only (inbox-store.ts
 * keeps one arrival counter per recipient): nothing in it tells one agency
 * how much another receives.
 *
 * The key is derived (HKDF-SHA256, RFC 5869) from a secret every hub process
 * shares, so a cursor from one process works on the next.
 */
export interface InboxCursors {
  encode(agencyId: string, seq: number): string;
  /** The position in `agencyId`'s inbox; BAD_REQUEST for anything this hub did not issue to that agency. */
  decode(agencyId: string, cursor: string): number;
}

const VERSION = 0x02;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEQ_BYTES = 8;

export function inboxCursorKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'isp-hub inbox cursor v2', 32));
}

export function createInboxCursors(key: Buffer = randomBytes(32)): InboxCursors {
  if (key.length !== 32) throw new TypeError('the inbox cursor key must be 32 bytes');
  const aad = (agencyId: string) => Buffer.from(`inbox-cursor\u0000${agencyId}`, 'utf8');
  const invalid = () => new HubError('BAD_REQUEST', 'invalid inbox cursor', { field: 'cursor', expected: 'a nextCursor this hub returned to this agency, or none to start at the beginning' });
  return {
    encode(agencyId, seq) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(agencyId));
      const position = Buffer.alloc(SEQ_BYTES);
      position.writeBigUInt64BE(BigInt(seq));
      const sealed = Buffer.concat([cipher.update(position), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(agencyId, cursor) {
      const bytes = Buffer.from(cursor, 'base64url');
      if (bytes.length !== 1 + IV_BYTES + SEQ_BYTES + TAG_BYTES || bytes[0] !== VERSION || bytes.toString('base64url') !== cursor) throw invalid();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES));
        decipher.setAAD(aad(agencyId));
        decipher.setAuthTag(bytes.subarray(1 + IV_BYTES + SEQ_BYTES));
        const position = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + SEQ_BYTES)), decipher.final()]);
        const seq = position.readBigUInt64BE();
        if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid();
        return Number(seq);
      } catch {
        throw invalid();
      }
    },
  };
}
