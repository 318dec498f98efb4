import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import { canonicalBytes } from './verify/hashing.js';

/**
 * Archive segment files: the bodies of old entries, moved out of Redis memory
 * so the log can outlive it. Per segment:
 *
 *   segment-<first>-<last>.jsonl             one entry per line, the exact
 *                                            canonical bytes that were hashed
 *   segment-<first>-<last>.checkpoint.jws    a signed checkpoint whose tree
 *                                            covers the segment (treeSize > last)
 *
 * and one `manifest.json` listing the segments in order, each row chained to
 * the one before by hash, so a removed, reordered or edited row shows.
 * Every file is written to a temporary name, fsynced, renamed and its folder
 * fsynced, so a crash leaves either the old file or the new one.
 */

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'isp-hub-audit-archive/1';
export const ZERO_HASH_HEX = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seqNumber = z.number().int().nonnegative();

export const manifestRowSchema = z.strictObject({
  file: z.string().regex(/^segment-\d+-\d+\.jsonl$/),
  first: seqNumber,
  last: seqNumber,
  /** Hex SHA-256 of the segment file's bytes (what `sha256sum` prints). */
  sha256: hex64,
  checkpointFile: z.string().regex(/^segment-\d+-\d+\.checkpoint\.jws$/),
  /** The covering checkpoint JWS itself, the same text as checkpointFile holds. */
  checkpoint: z.string().min(1),
  /** `hash` of the previous row; 64 zeros for the first. */
  prev: hex64,
  /** Hex SHA-256 of the RFC 8785 canonical JSON of this row without `hash`. */
  hash: hex64,
});
export type ManifestRow = z.infer<typeof manifestRowSchema>;

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  segments: z.array(manifestRowSchema),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function segmentFileName(first: number, last: number): string {
  return `segment-${first}-${last}.jsonl`;
}

export function checkpointFileName(first: number, last: number): string {
  return `segment-${first}-${last}.checkpoint.jws`;
}

export function rowHash(row: Omit<ManifestRow, 'hash'>): string {
  const { file, first, last, sha256, checkpointFile, checkpoint, prev } = row;
  return createHash('sha256').update(canonicalBytes({ file, first, last, sha256, checkpointFile, checkpoint, prev })).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Splits a segment file into its lines (the entries' canonical bytes). */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let position = bytes.indexOf(0x0a, start); position !== -1; position = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, position));
    start = position + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write, fsync, rename over, fsync the folder: durable and all-or-nothing. */
export async function writeFileDurably(target: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'wx', 0o640);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
  await fsyncDirectory(path.dirname(target));
}

export function createArchiveStore(directory: string, options: { cachedSegments?: number; logger?: Logger } = {}) {
  const root = path.resolve(directory);
  const cacheLimit = options.cachedSegments ?? 4;
  /** Lines of a segment whose bytes matched the manifest's hash, with the file's stamp when they did. */
  const segmentCache = new Map<string, { stamp: string; lines: Buffer[] }>();
  /** Problems already logged, so a damaged segment gives one log line, not one per read. */
  const reported = new Set<string>();
  let manifestCache: { stamp: string; manifest: Manifest } | undefined;

  async function readManifest(): Promise<Manifest> {
    const file = path.join(root, MANIFEST_FILE);
    let stamp: string;
    try {
      const info = await stat(file);
      stamp = `${info.mtimeMs}:${info.ctimeMs}:${info.size}:${info.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { format: MANIFEST_FORMAT, segments: [] };
      throw error;
    }
    if (manifestCache?.stamp === stamp) return manifestCache.manifest;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new HubError('AUDIT_TAMPERED', 'the archive manifest is not readable JSON');
    }
    const result = manifestSchema.safeParse(parsed);
    if (!result.success) throw new HubError('AUDIT_TAMPERED', 'the archive manifest does not match its format');
    manifestCache = { stamp, manifest: result.data };
    return result.data;
  }

  /**
   * A segment's lines, read from disk and checked against the manifest's
   * hash. Memory is trusted only while the file is the one that was checked:
   * every read compares the file's stamp (ctime cannot be set back by a
   * writer), so a file changed or removed on disk is noticed at the next read,
   * not served from the cache.
   */
  async function segmentLines(row: ManifestRow): Promise<Buffer[]> {
    const file = path.join(root, row.file);
    let stamp: string;
    try {
      const info = await stat(file);
      stamp = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
    } catch (error) {
      segmentCache.delete(row.file);
      throw archiveProblem('AUDIT_ARCHIVE_MISSING', row, `archive segment ${row.file} (entries ${row.first} to ${row.last}) is missing from ${root}`, error);
    }
    const cached = segmentCache.get(row.file);
    if (cached && cached.stamp === stamp) {
      segmentCache.delete(row.file);
      segmentCache.set(row.file, cached);
      return cached.lines;
    }
    segmentCache.delete(row.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw archiveProblem('AUDIT_ARCHIVE_MISSING', row, `archive segment ${row.file} (entries ${row.first} to ${row.last}) cannot be read`, error);
    }
    if (sha256Hex(bytes) !== row.sha256) {
      throw archiveProblem('AUDIT_TAMPERED', row, `archive segment ${row.file} (entries ${row.first} to ${row.last}) differs from the hash the manifest holds`);
    }
    const lines = splitLines(bytes);
    reported.delete(`AUDIT_ARCHIVE_MISSING:${row.file}`);
    reported.delete(`AUDIT_TAMPERED:${row.file}`);
    segmentCache.set(row.file, { stamp, lines });
    while (segmentCache.size > cacheLimit) segmentCache.delete(segmentCache.keys().next().value as string);
    return lines;
  }

  function archiveProblem(code: 'AUDIT_ARCHIVE_MISSING' | 'AUDIT_TAMPERED', row: ManifestRow, message: string, cause?: unknown): HubError {
    const key = `${code}:${row.file}`;
    if (!reported.has(key)) {
      reported.add(key);
      const reason = (cause as NodeJS.ErrnoException | undefined)?.code;
      options.logger?.error(message, { event: 'audit.archive-damaged', code, segment: row.file, first: row.first, last: row.last, ...(reason ? { reason } : {}) });
    }
    return new HubError(code, message, { segment: row.file, first: row.first, last: row.last });
  }

  return {
    directory: root,
    readManifest,
    /** The raw canonical bytes of archived entries, by seq; absent seqs are left out. */
    async readEntries(seqs: number[]): Promise<Map<number, Buffer>> {
      const found = new Map<number, Buffer>();
      if (seqs.length === 0) return found;
      const { segments } = await readManifest();
      for (const seq of seqs) {
        const row = findRow(segments, seq);
        if (!row) continue;
        const line = (await segmentLines(row))[seq - row.first];
        if (line && line.length > 0) found.set(seq, line);
      }
      return found;
    },
    async readSegmentFile(row: ManifestRow): Promise<Buffer> {
      return readFile(path.join(root, row.file));
    },
    async readCheckpointFile(row: ManifestRow): Promise<string> {
      return (await readFile(path.join(root, row.checkpointFile), 'utf8')).trim();
    },
    /**
     * Adds one segment: the entry file, its checkpoint, then the manifest row
     * that makes it count. Each step is durable before the next begins.
     */
    async addSegment(first: number, lines: Buffer[], checkpointJws: string): Promise<ManifestRow> {
      await mkdir(root, { recursive: true, mode: 0o750 });
      const manifest = await readManifest();
      const previous = manifest.segments[manifest.segments.length - 1];
      const expectedFirst = previous ? previous.last + 1 : 0;
      if (first !== expectedFirst) throw new TypeError(`a new segment must start at ${expectedFirst}`);
      const last = first + lines.length - 1;
      const body = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
      const file = segmentFileName(first, last);
      const checkpointFile = checkpointFileName(first, last);
      await writeFileDurably(path.join(root, file), body);
      await writeFileDurably(path.join(root, checkpointFile), `${checkpointJws}\n`);
      const partial = { file, first, last, sha256: sha256Hex(body), checkpointFile, checkpoint: checkpointJws, prev: previous?.hash ?? ZERO_HASH_HEX };
      const row: ManifestRow = { ...partial, hash: rowHash(partial) };
      const next: Manifest = { format: MANIFEST_FORMAT, segments: [...manifest.segments, row] };
      await writeFileDurably(path.join(root, MANIFEST_FILE), `${JSON.stringify(next, null, 2)}\n`);
      manifestCache = undefined;
      return row;
    },
    forgetCache(): void {
      segmentCache.clear();
      manifestCache = undefined;
      reported.clear();
    },
  };
}

export type ArchiveStore = ReturnType<typeof createArchiveStore>;

function findRow(segments: ManifestRow[], seq: number): ManifestRow | undefined {
  let low = 0;
  let high = segments.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const row = segments[middle] as ManifestRow;
    if (seq < row.first) high = middle - 1;
    else if (seq > row.last) low = middle + 1;
    else return row;
  }
  return undefined;
}
