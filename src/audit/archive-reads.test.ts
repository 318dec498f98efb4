import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../test-log-capture.js';
import { createAuditLog } from './log.js';
import { useAuditTestBed } from './test-audit-bed.js';

/**
 * Archived entries are read from disk, not trusted from memory: a segment
 * changed on disk after the hub cached it is AUDIT_TAMPERED, a removed one
 * AUDIT_ARCHIVE_MISSING, each naming the segment, with one log line however
 * often it is read.
 */
const bed = useAuditTestBed();

async function archivedLog() {
  const archiveDir = await bed.archiveDir('archive-reads');
  const { logger, lines } = captureLog('warn');
  const old = new Date('2024-01-01T00:00:00.000Z');
  const log = createAuditLog({ redis: bed.redis.connect(), prefix: bed.redis.newPrefix(), signer: bed.signer, archiveDir, clock: () => old, logger });
  await log.appendMany(Array.from({ length: 20 }, (_, position) => ({ event: 'consultation' as const, agency: 'nv-yot', outcome: `read-${position}` })));
  await log.checkpoint();
  const result = await log.archive({ olderThan: new Date('2024-01-02T00:00:00.000Z'), maxEntriesPerSegment: 10 });
  expect(result.archivedUpTo).toBe(20);
  return { log, lines, segment: path.join(archiveDir, 'segment-0-9.jsonl') };
}

describe('archived entries read from disk', () => {
  it('a segment changed on disk after it was cached: AUDIT_TAMPERED naming the segment, never the cached bytes', async () => {
    const { log, lines, segment } = await archivedLog();
    expect((await log.getEntry(3))?.outcome).toBe('read-3');
    const bytes = await readFile(segment, 'utf8');
    // Same length, one entry's outcome changed: what a quiet edit would look like.
    await writeFile(segment, bytes.replace('"read-3"', '"read-8"'));
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(log.getEntry(3)).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', details: { segment: 'segment-0-9.jsonl', first: 0, last: 9 } });
    }
    expect(lines.filter((line) => line['event'] === 'audit.archive-damaged')).toEqual([expect.objectContaining({ code: 'AUDIT_TAMPERED', segment: 'segment-0-9.jsonl' })]);
    // The other segment still serves.
    expect((await log.getEntry(13))?.outcome).toBe('read-13');
  });

  it('a removed segment: AUDIT_ARCHIVE_MISSING naming it, one log line however often it is read', async () => {
    const { log, lines, segment } = await archivedLog();
    expect((await log.getEntry(4))?.outcome).toBe('read-4');
    await rm(segment);
    const reads = await Promise.allSettled(Array.from({ length: 30 }, (_, seq) => log.getEntries([seq % 10])));
    for (const read of reads) {
      expect(read.status).toBe('rejected');
      expect((read as PromiseRejectedResult).reason).toMatchObject({ code: 'AUDIT_ARCHIVE_MISSING', status: 500, details: { segment: 'segment-0-9.jsonl' } });
    }
    const logged = lines.filter((line) => line['event'] === 'audit.archive-damaged');
    expect(logged).toEqual([expect.objectContaining({ code: 'AUDIT_ARCHIVE_MISSING', segment: 'segment-0-9.jsonl', reason: 'ENOENT' })]);
  });
});
