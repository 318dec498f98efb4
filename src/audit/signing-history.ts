import { X509Certificate } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { thumbprintS256 } from '../pki/thumbprint.js';
import type { SharedStore } from './shared-store.js';

/**
 * Every certificate the hub has signed checkpoints with, for ever. A
 * checkpoint stays a promise long after its key was rotated away, so a
 * verifier must be able to check it then: the hub records each signing
 * certificate in the shared store before its first signature and publishes
 * the whole history (GET /.well-known/audit-signing-certificates.json).
 *
 * jwks.json is not the place: it lists the keys partners may use now, and a
 * retired signing key there would be accepted on new messages.
 */
export const SIGNING_HISTORY_FILE = 'signing-certificates.jsonl';

interface HistoryLine {
  'x5t#S256': string;
  /** Standard base64 DER (as in x5c, RFC 7517 s.4.7). */
  certificate: string;
  /** When the hub first signed with it; null for a key it was already past when the history began. */
  firstUsed: string | null;
}

export interface SigningCertificateRecord {
  'x5t#S256': string;
  x5c: string[];
  /** The certificate's own validity (RFC 5280 s.4.1.2.5). */
  notBefore: string;
  notAfter: string;
  /** The period the hub signed checkpoints with it: from first use until the next certificate's first use (null: still in use). */
  inUseFrom: string | null;
  inUseUntil: string | null;
}

export function createSigningHistory(store: SharedStore | undefined) {
  const file = store ? path.join(store.directory, SIGNING_HISTORY_FILE) : undefined;
  /** Without a shared store (tests, a single process): kept in memory. */
  const inMemory: HistoryLine[] = [];
  const recorded = new Set<string>();

  async function readLines(): Promise<HistoryLine[]> {
    if (!file) return inMemory;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines: HistoryLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line) as HistoryLine);
      } catch {
        // A torn last line (a crash mid-append) is skipped; the next signature records the key again.
      }
    }
    return lines;
  }

  return {
    /** Records the certificate unless the history holds it; call before the first signature with it. */
    async ensure(certificate: X509Certificate, firstUsed: Date | null): Promise<void> {
      const thumbprint = thumbprintS256(certificate);
      if (recorded.has(thumbprint)) return;
      const lines = await readLines();
      if (!lines.some((line) => line['x5t#S256'] === thumbprint)) {
        const line: HistoryLine = { 'x5t#S256': thumbprint, certificate: certificate.raw.toString('base64'), firstUsed: firstUsed?.toISOString() ?? null };
        if (file && store) {
          await store.assertShared();
          await mkdir(store.directory, { recursive: true, mode: 0o750 });
          await appendFile(file, `${JSON.stringify(line)}\n`, { mode: 0o640 });
          const handle = await open(file, 'r');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
        } else {
          inMemory.push(line);
        }
      }
      recorded.add(thumbprint);
    },
    /** Every signing certificate, oldest first, with when it was in use. */
    async list(): Promise<SigningCertificateRecord[]> {
      const seen = new Set<string>();
      const lines = (await readLines()).filter((line) => !seen.has(line['x5t#S256']) && seen.add(line['x5t#S256']));
      return lines.map((line, position) => {
        const certificate = new X509Certificate(Buffer.from(line.certificate, 'base64'));
        const next = lines.slice(position + 1).find((later) => later.firstUsed !== null);
        return {
          'x5t#S256': line['x5t#S256'],
          x5c: [line.certificate],
          notBefore: new Date(certificate.validFrom).toISOString(),
          notAfter: new Date(certificate.validTo).toISOString(),
          inUseFrom: line.firstUsed,
          inUseUntil: next?.firstUsed ?? null,
        };
      });
    },
    /** The certificates alone, for verification. */
    async certificates(): Promise<X509Certificate[]> {
      return (await readLines()).map((line) => new X509Certificate(Buffer.from(line.certificate, 'base64')));
    },
  };
}

export type SigningHistory = ReturnType<typeof createSigningHistory>;
