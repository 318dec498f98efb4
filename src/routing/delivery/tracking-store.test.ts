import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createTrackingStore, type TrackingStore } from './tracking-store.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function newStore(): { store: TrackingStore; prefix: string } {
  const prefix = redis.newPrefix();
  return { store: createTrackingStore({ redis: redis.connect(), prefix }), prefix };
}

describe('tracking store', () => {
  it('shows the sender each recipient, queued or denied with rule and reason', async () => {
    const { store } = newStore();
    await store.recordAccepted('msg_arrest1', 'nv-police', [
      { recipient: 'nv-probation', status: 'queued' },
      { recipient: 'nv-housing', status: 'denied', ruleIds: ['housing-no-offence-detail'], reason: 'Housing is not a recipient of arrest notifications.' },
    ]);
    const tracking = await store.getForAgency('msg_arrest1', 'nv-police');
    expect(tracking.sender).toBe('nv-police');
    expect(tracking.recipients).toEqual([
      expect.objectContaining({ agencyId: 'nv-housing', state: 'denied', ruleIds: ['housing-no-offence-detail'], reason: expect.stringContaining('Housing') }),
      expect.objectContaining({ agencyId: 'nv-probation', state: 'queued' }),
    ]);
  });

  it('answers NOT_FOUND to any agency but the sender, the same as for an unknown message', async () => {
    const { store } = newStore();
    await store.recordAccepted('msg_arrest2', 'nv-police', [{ recipient: 'nv-probation', status: 'queued' }]);
    await expect(store.getForAgency('msg_arrest2', 'nv-probation')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(store.getForAgency('msg_arrest2', 'nv-housing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.getForAgency('msg_never_sent', 'nv-police')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('only moves forward: a late delivered never overwrites acknowledged', async () => {
    const { store } = newStore();
    await store.recordAccepted('msg_m1', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }]);
    expect(await store.transition('msg_m1', 'nv-yot', 'collected')).toBe('applied');
    expect(await store.transition('msg_m1', 'nv-yot', 'acknowledged')).toBe('applied');
    expect(await store.transition('msg_m1', 'nv-yot', 'delivered')).toBe('ignored');
    expect(await store.transition('msg_m1', 'nv-yot', 'collected')).toBe('ignored');
    expect(await store.transition('msg_m1', 'nv-yot', 'undeliverable', 'late expiry')).toBe('ignored');
    expect(await store.stateOf('msg_m1', 'nv-yot')).toBe('acknowledged');
  });

  it('keeps denied final and reaches undeliverable only from queued; a replay reopens it', async () => {
    const { store } = newStore();
    await store.recordAccepted('msg_m2', 'nv-police', [
      { recipient: 'nv-housing', status: 'denied', ruleIds: ['r1'], reason: 'Not permitted.' },
      { recipient: 'nv-prison', status: 'queued' },
      { recipient: 'nv-court', status: 'queued' },
    ]);
    expect(await store.transition('msg_m2', 'nv-housing', 'delivered')).toBe('ignored');
    expect(await store.transition('msg_m2', 'nv-prison', 'undeliverable', 'Dead letter.')).toBe('applied');
    expect(await store.transition('msg_m2', 'nv-prison', 'delivered')).toBe('ignored');
    expect(await store.transition('msg_m2', 'nv-court', 'delivered')).toBe('applied');
    expect(await store.transition('msg_m2', 'nv-court', 'undeliverable')).toBe('ignored');
    expect(await store.reopen('msg_m2', 'nv-court')).toBe('ignored');
    expect(await store.reopen('msg_m2', 'nv-prison')).toBe('applied');
    expect(await store.transition('msg_m2', 'nv-prison', 'delivered')).toBe('applied');
    expect(await store.transition('msg_m2', 'nv-nobody', 'delivered')).toBe('missing');
  });

  it('keeps concurrent transitions monotonic whichever lands last', async () => {
    const { store } = newStore();
    const recipients = Array.from({ length: 20 }, (_, i) => `nv-agency-${i}`);
    await store.recordAccepted('msg_race', 'nv-police', recipients.map((recipient) => ({ recipient, status: 'queued' as const })));
    await Promise.all(
      recipients.flatMap((recipient) => [
        store.transition('msg_race', recipient, 'acknowledged'),
        store.transition('msg_race', recipient, 'delivered'),
        store.transition('msg_race', recipient, 'collected'),
      ]),
    );
    const tracking = await store.getForAgency('msg_race', 'nv-police');
    expect(new Set(tracking.recipients.map((r) => r.state))).toEqual(new Set(['acknowledged']));
  });

  it('is idempotent on a retried intake and refuses a second sender for the same id', async () => {
    const { store } = newStore();
    await store.recordAccepted('msg_m3', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }]);
    await store.transition('msg_m3', 'nv-yot', 'delivered');
    await store.recordAccepted('msg_m3', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }]);
    expect(await store.stateOf('msg_m3', 'nv-yot')).toBe('delivered');
    await expect(store.recordAccepted('msg_m3', 'nv-prison', [])).rejects.toBeInstanceOf(TypeError);
  });

  it('keeps its keys under the hash-tag prefix', async () => {
    const { store, prefix } = newStore();
    await store.recordAccepted('msg_m4', 'nv-police', [{ recipient: 'nv-yot', status: 'queued' }]);
    const keys = await redis.connect().keys(`${prefix}*`);
    expect(keys).toEqual([`${prefix}:delivery:track:msg_m4`]);
  });
});
