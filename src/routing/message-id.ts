import { createHash } from 'node:crypto';

/**
 * The hub's id for an accepted message, derived from (sender, jti) so that a
 * retry after a crash names the same message and the same delivery jobs.
 */
export function messageIdFor(senderAgencyId: string, jti: string): string {
  const digest = createHash('sha256').update(`${senderAgencyId}\u0000${jti}`, 'utf8').digest();
  return `msg_${base32(digest).slice(0, 26)}`;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return output;
}
