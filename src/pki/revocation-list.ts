import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HubError } from '../errors.js';
import { normaliseSerialNumber } from './certificate-info.js';

/**
 * CRLReason names of RFC 5280 s.5.3.1. removeFromCRL is left out: it only
 * has a meaning in delta CRLs, which a JSON list does not have.
 */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

const entrySchema = z.object({
  serialNumber: z.string().regex(/^[0-9A-Fa-f:]{1,64}$/),
  reason: z.enum(REVOCATION_REASONS),
  revokedAt: z.iso.datetime({ offset: true }),
});
const fileSchema = z.object({ version: z.literal(1), revoked: z.array(entrySchema) });

export type RevocationEntry = z.infer<typeof entrySchema>;
export type RevocationFile = z.infer<typeof fileSchema>;

/** What a trust store asks on every verification. */
export interface RevocationChecker {
  isRevoked(serialNumber: string): boolean;
}

export interface RevocationList extends RevocationChecker {
  readonly path: string;
  get(serialNumber: string): RevocationEntry | undefined;
  entries(): RevocationEntry[];
  /** Adds an entry (idempotent: a serial already listed keeps its first entry) and persists atomically. */
  revoke(serialNumber: string, reason: RevocationReason | string, at?: Date): Promise<RevocationEntry>;
  /** Re-reads the file, e.g. after another process (the CLI) revoked something. */
  reload(): Promise<void>;
}

export function parseRevocationReason(value: string): RevocationReason {
  const reason = REVOCATION_REASONS.find((name) => name === value);
  if (!reason) throw new HubError('BAD_REQUEST', `revocation reason must be one of: ${REVOCATION_REASONS.join(', ')}`);
  return reason;
}

export const EMPTY_REVOCATION_FILE: RevocationFile = Object.freeze({ version: 1 as const, revoked: [] });

async function readRevocationFile(filePath: string): Promise<Map<string, RevocationEntry>> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // A missing list must not silently mean "nothing revoked".
      throw new HubError('CONFIG_INVALID', 'revocation list file not found');
    }
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new HubError('CONFIG_INVALID', 'revocation list is not valid JSON');
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) throw new HubError('CONFIG_INVALID', 'revocation list does not match its schema');
  const bySerial = new Map<string, RevocationEntry>();
  for (const entry of parsed.data.revoked) {
    const serialNumber = normaliseSerialNumber(entry.serialNumber);
    if (!bySerial.has(serialNumber)) bySerial.set(serialNumber, { ...entry, serialNumber });
  }
  return bySerial;
}

/** Writes to a temporary file in the same folder, flushes it, then renames over the old file (atomic on POSIX). */
export async function writeFileAtomic(filePath: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, filePath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function serialise(entries: Iterable<RevocationEntry>): string {
  const file: RevocationFile = { version: 1, revoked: [...entries] };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Creates an empty revocation list file; refuses to overwrite one. */
export async function createRevocationListFile(filePath: string): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const handle = await open(filePath, 'wx').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new HubError('BAD_REQUEST', 'a revocation list already exists there');
    throw error;
  });
  try {
    await handle.writeFile(serialise([]), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Opens a revocation list persisted as JSON:
 * `{ "version": 1, "revoked": [{ "serialNumber", "reason", "revokedAt" }] }`.
 * The file must exist (create it with createRevocationListFile).
 */
export async function openRevocationList(filePath: string): Promise<RevocationList> {
  let bySerial = await readRevocationFile(filePath);
  return {
    path: filePath,
    isRevoked: (serialNumber) => bySerial.has(normaliseSerialNumber(serialNumber)),
    get: (serialNumber) => {
      const entry = bySerial.get(normaliseSerialNumber(serialNumber));
      return entry ? { ...entry } : undefined;
    },
    entries: () => [...bySerial.values()].map((entry) => ({ ...entry })),
    async revoke(serialNumber, reason, at = new Date()) {
      const serial = normaliseSerialNumber(serialNumber);
      const checkedReason = parseRevocationReason(reason);
      // Read again first so a revocation made meanwhile by another process is kept.
      const latest = await readRevocationFile(filePath);
      const existing = latest.get(serial);
      if (existing) {
        bySerial = latest;
        return { ...existing };
      }
      const entry: RevocationEntry = { serialNumber: serial, reason: checkedReason, revokedAt: at.toISOString() };
      latest.set(serial, entry);
      await writeFileAtomic(filePath, serialise(latest.values()));
      bySerial = latest;
      return { ...entry };
    },
    async reload() {
      bySerial = await readRevocationFile(filePath);
    },
  };
}
