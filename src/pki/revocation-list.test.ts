import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isHubError, type HubErrorCode } from '../errors.js';
import { createRevocationListFile, openRevocationList } from './index.js';

let workDir: string;
let file: string;

beforeEach(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'pki-crl-'));
  file = path.join(workDir, 'revocations.json');
  await createRevocationListFile(file);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

async function expectCode(action: () => unknown, code: HubErrorCode): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isHubError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('RevocationList', () => {
  it('starts empty and persists a revocation as the documented JSON', async () => {
    const list = await openRevocationList(file);
    expect(list.entries()).toEqual([]);
    const entry = await list.revoke('5A01FF', 'keyCompromise', new Date('2026-01-02T03:04:05.000Z'));
    expect(entry).toEqual({ serialNumber: '5A01FF', reason: 'keyCompromise', revokedAt: '2026-01-02T03:04:05.000Z' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, revoked: [entry] });
    // Written by rename: no temporary file is left behind.
    expect(readdirSync(workDir)).toEqual(['revocations.json']);
  });

  it('is seen by a second list on the same file after reload, as another process would', async () => {
    const hub = await openRevocationList(file);
    const operator = await openRevocationList(file);
    await operator.revoke('1234ABCD', 'superseded');
    expect(hub.isRevoked('1234ABCD')).toBe(false);
    await hub.reload();
    expect(hub.isRevoked('1234ABCD')).toBe(true);
    expect(hub.get('1234abcd')?.reason).toBe('superseded');
    expect((await openRevocationList(file)).isRevoked('1234ABCD')).toBe(true);
  });

  it('keeps revocations made meanwhile by another writer', async () => {
    const first = await openRevocationList(file);
    const second = await openRevocationList(file);
    await first.revoke('AA01', 'keyCompromise');
    await second.revoke('BB02', 'affiliationChanged');
    const reread = await openRevocationList(file);
    expect(reread.entries().map((entry) => entry.serialNumber).sort()).toEqual(['AA01', 'BB02']);
  });

  it('compares serial numbers whatever their case, separators or leading zeros', async () => {
    const list = await openRevocationList(file);
    await list.revoke('0a:1b:2c', 'cessationOfOperation');
    expect(list.isRevoked('A1B2C')).toBe(true);
    expect(list.isRevoked('00A1B2C')).toBe(true);
    expect(list.isRevoked('A1B2D')).toBe(false);
  });

  it('is idempotent: revoking twice keeps the first entry', async () => {
    const list = await openRevocationList(file);
    const first = await list.revoke('C0FFEE', 'keyCompromise', new Date('2026-01-01T00:00:00Z'));
    const second = await list.revoke('C0FFEE', 'superseded');
    expect(second).toEqual(first);
    expect(list.entries()).toHaveLength(1);
  });

  it('refuses a reason outside RFC 5280 s.5.3.1 and a serial that is not hexadecimal', async () => {
    const list = await openRevocationList(file);
    await expectCode(() => list.revoke('AB', 'lostIt'), 'BAD_REQUEST');
    await expectCode(() => list.revoke('AB', 'removeFromCRL'), 'BAD_REQUEST');
    await expectCode(() => list.revoke('XYZ', 'keyCompromise'), 'BAD_REQUEST');
    expect(list.entries()).toEqual([]);
  });

  it('refuses a missing or damaged file rather than treating it as "nothing revoked"', async () => {
    await expectCode(() => openRevocationList(path.join(workDir, 'absent.json')), 'CONFIG_INVALID');
    writeFileSync(file, '{"version":1,"revoked":[{"serialNumber":"AB"}]}');
    await expectCode(() => openRevocationList(file), 'CONFIG_INVALID');
    writeFileSync(file, 'not json');
    await expectCode(() => openRevocationList(file), 'CONFIG_INVALID');
    await expectCode(() => createRevocationListFile(file), 'BAD_REQUEST');
  });
});
