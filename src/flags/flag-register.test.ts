import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../audit/entry.js';
import { createAuditLog } from '../audit/log.js';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { createFlagCipher, createFlagRegister, type FlagRegister } from './index.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});

const subjectA = 'a'.repeat(64);
const subjectB = 'b'.repeat(64);
const SENTINEL_NOTE = 'SENTINEL-NOTE-7f3a';

function newRegister(now = new Date('2026-11-22T12:00:00Z')) {
  const entries: AuditEntryInput[] = [];
  const client = redis.connect();
  const prefix = redis.newPrefix();
  const register: FlagRegister = createFlagRegister({
    redis: client,
    prefix,
    cipher: createFlagCipher(randomBytes(32)),
    audit: { append: async (entry) => void entries.push(entry), appendMany: async (inputs) => void entries.push(...inputs) },
    clock: () => now,
    onceSeconds: 3600,
  });
  return { register, entries, client, prefix };
}

/**
 * A register on a real audit log (once-keys and all), with a clock the test
 * moves, for retries: what the log holds is what a retry left behind.
 */
function registerOnAuditLog(options: { failFirstAppends?: number } = {}) {
  const client = redis.connect();
  const prefix = redis.newPrefix();
  const log = createAuditLog({ redis: client, prefix });
  let failuresLeft = options.failFirstAppends ?? 0;
  const clock = { now: new Date('2026-11-22T12:00:00Z') };
  const register = createFlagRegister({
    redis: client,
    prefix,
    cipher: createFlagCipher(randomBytes(32)),
    audit: {
      append: (input) => log.append(input),
      appendMany: async (inputs, appendOptions) => {
        // Stands for Redis failing under the alteration append: the sender will retry the message.
        if (failuresLeft-- > 0) throw new Error('ECONNRESET');
        return log.appendMany(inputs, appendOptions);
      },
    },
    clock: () => clock.now,
    onceSeconds: 3600,
  });
  const alterations = async () => (await log.getEntries([...Array(await log.size()).keys()])).filter((entry) => entry.event === 'alteration');
  return { register, clock, alterations, close: () => log.close() };
}

const weaponsSet = { action: 'set', code: 'weapons', level: 'high', reviewDate: '2027-01-31' } as const;
const police = (messageId: string) => ({ holder: 'nv-police', actor: { id: 'PC1234', role: 'intelligence-officer' }, messageId });

describe('flag register', () => {
  it('sets, finds and clears a flag, logging each alteration without its content', async () => {
    const { register, entries } = newRegister();
    await register.apply([subjectA], [{ action: 'set', code: 'weapons', level: 'high', reviewDate: '2027-01-31', note: SENTINEL_NOTE }], {
      holder: 'nv-police',
      actor: { id: 'PC1234', role: 'intelligence-officer' },
      messageId: 'msg_set',
    });
    const found = await register.lookup([subjectA]);
    expect(found).toEqual([expect.objectContaining({ code: 'weapons', level: 'high', holder: 'nv-police', note: SENTINEL_NOTE })]);
    expect(await register.lookup([subjectB])).toEqual([]);
    expect(await register.lookup([subjectA], ['violence'])).toEqual([]);

    await register.apply([subjectA], [{ action: 'clear', code: 'weapons' }], { holder: 'nv-police', messageId: 'msg_clear' });
    expect(await register.lookup([subjectA])).toEqual([]);
    expect(entries.map((entry) => [entry.event, entry.outcome])).toEqual([
      ['alteration', 'flag-set'],
      ['alteration', 'flag-cleared'],
    ]);
    expect(JSON.stringify(entries)).not.toContain('weapons');
    expect(JSON.stringify(entries)).not.toContain(SENTINEL_NOTE);
  });

  it('keeps flag codes and values out of Redis in clear text', async () => {
    const { register, client, prefix } = newRegister();
    await register.apply([subjectA], [{ action: 'set', code: 'exploitation', level: 'medium', reviewDate: '2027-03-01', note: SENTINEL_NOTE }], {
      holder: 'nv-childrens',
      messageId: 'msg_set',
    });
    const keys = await client.keys(`${prefix}*`);
    const dump: string[] = [...keys];
    for (const name of keys) {
      const type = await client.type(name);
      if (type === 'hash') dump.push(...Object.entries(await client.hgetall(name)).flat());
      if (type === 'zset') dump.push(...(await client.zrange(name, 0, -1)));
    }
    const text = dump.join('\n');
    expect(text).not.toContain('exploitation');
    expect(text).not.toContain(SENTINEL_NOTE);
    expect(text).not.toContain('medium');
  });

  it('refuses a ciphertext moved to another subject (AES-GCM additional data binds the slot)', async () => {
    const { register, client, prefix } = newRegister();
    await register.apply([subjectA], [{ action: 'set', code: 'violence', level: 'low', reviewDate: '2027-01-01' }], { holder: 'nv-yot', messageId: 'msg_set' });
    const stored = await client.hgetall(`${prefix}:flags:s:${subjectA}`);
    await client.hset(`${prefix}:flags:s:${subjectB}`, stored);
    await expect(register.lookup([subjectB])).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('erases flags past their review date once, with an erasure entry, even with two sweepers', async () => {
    const setUp = newRegister(new Date('2026-11-22T12:00:00Z'));
    await setUp.register.apply([subjectA], [
      { action: 'set', code: 'missing-episodes', level: 'medium', reviewDate: '2026-12-01' },
      { action: 'set', code: 'self-harm', level: 'high', reviewDate: '2027-06-01' },
    ], { holder: 'nv-childrens', messageId: 'msg_set' });
    const later = new Date('2026-12-02T00:00:01Z');
    const erasedCounts = await Promise.all([setUp.register.expireDue(later), setUp.register.expireDue(later)]);
    expect(erasedCounts[0]! + erasedCounts[1]!).toBe(1);
    expect(setUp.entries.filter((entry) => entry.event === 'erasure')).toHaveLength(1);
    const remaining = await setUp.register.lookup([subjectA]);
    expect(remaining.map((flag) => flag.code)).toEqual(['self-harm']);
  });

  it('does not answer with a flag whose review date has passed, before the sweeper runs', async () => {
    const { register } = newRegister(new Date('2026-11-22T12:00:00Z'));
    await register.apply([subjectA], [{ action: 'set', code: 'violence', level: 'low', reviewDate: '2026-11-21' }], { holder: 'nv-police', messageId: 'msg_set' });
    expect(await register.lookup([subjectA])).toEqual([]);
  });

  it('applies a retried message once: one alteration entry, and the flag keeps the setAt of the first try', async () => {
    const { register, clock, alterations, close } = registerOnAuditLog();
    await register.apply([subjectA], [weaponsSet], police('msg_first'));
    const [first] = await register.lookup([subjectA]);
    clock.now = new Date('2026-11-22T12:05:00Z');
    await register.apply([subjectA], [weaponsSet], police('msg_first'));
    expect(await register.lookup([subjectA])).toEqual([first]);
    expect(first!.setAt).toBe('2026-11-22T12:00:00.000Z');
    expect((await alterations()).map((entry) => [entry.messageId, entry.outcome])).toEqual([['msg_first', 'flag-set']]);
    await close();
  });

  it('does not bring back a flag a later message cleared when the setting message is retried', async () => {
    const { register, alterations, close } = registerOnAuditLog();
    await register.apply([subjectA], [weaponsSet], police('msg_set'));
    await register.apply([subjectA], [{ action: 'clear', code: 'weapons' }], police('msg_clear'));
    await register.apply([subjectA], [weaponsSet], police('msg_set'));
    expect(await register.lookup([subjectA])).toEqual([]);
    expect((await alterations()).map((entry) => [entry.messageId, entry.outcome])).toEqual([
      ['msg_set', 'flag-set'],
      ['msg_clear', 'flag-cleared'],
    ]);
    await close();
  });

  it('changes nothing when the alteration cannot be logged, and the retry logs it once and changes the register', async () => {
    const { register, alterations, close } = registerOnAuditLog({ failFirstAppends: 1 });
    await expect(register.apply([subjectA], [weaponsSet], police('msg_unlogged'))).rejects.toThrow('ECONNRESET');
    expect(await register.lookup([subjectA])).toEqual([]);
    await register.apply([subjectA], [weaponsSet], police('msg_unlogged'));
    expect((await register.lookup([subjectA])).map((flag) => flag.code)).toEqual(['weapons']);
    expect((await alterations()).map((entry) => [entry.messageId, entry.outcome])).toEqual([['msg_unlogged', 'flag-set']]);
    await close();
  });
});
