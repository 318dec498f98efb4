import { describe, expect, it } from 'vitest';
import { auditEntrySchema } from './entry.js';
import { newEntryId } from './entry-ids.js';

describe('newEntryId', () => {
  it('gives ids of the entry format, all different across several refills of the random pool', () => {
    const time = new Date('2024-05-01T09:00:00.000Z');
    const ids = Array.from({ length: 5000 }, () => newEntryId(time)); // the pool holds 1,024
    const idFormat = auditEntrySchema.shape.id;
    for (const id of ids) expect(idFormat.safeParse(id).success, id).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // The same time, so the random part alone tells them apart: 16 hex digits of it.
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length);
    expect(ids[0]?.startsWith(`ae_${time.getTime().toString(36)}`)).toBe(true);
  });
});
