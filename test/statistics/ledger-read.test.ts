import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerStore, ledgerKeys, type LedgerFact, type NewFact } from '../../src/statistics/index.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Reading the ledger back: every fact up to a position, in month order and
 * ledger order within a month, whatever the size of a read (a line split
 * across two reads, a month that ends exactly on a read's end, an empty read).
 */
let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
});
afterAll(async () => redis.stop());

function factFor(index: number): NewFact {
  const month = ['2026-01', '2026-02', '2026-03'][index % 3]!;
  return {
    keys: index % 5 === 0 ? ['a'.repeat(63) + (index % 10), 'b'.repeat(64)] : [`${(index % 7).toString(16)}`.repeat(64)],
    type: index % 2 === 0 ? 'arrest-notification' : 'court-outcome',
    eventDate: `${month}-${String(1 + (index % 28)).padStart(2, '0')}`,
    notifiedDate: `${month}-28`,
    agency: index % 3 === 0 ? 'nv-police' : 'nv-court',
    child: index % 4 === 0,
    retainUntil: '2029-12-31',
    fields: index % 2 === 0 ? { 'body.arrestedAt': `${month}-01`, 'body.offences[].category': ['burglary', 'theft'] } : { 'body.outcomes[].verdict': ['convicted'], 'body.count': index },
  };
}

const plain = (fact: LedgerFact) => JSON.parse(JSON.stringify(fact)) as LedgerFact;

describe('reading the statistics ledger', () => {
  it('gives back every fact up to the position, month by month, for any size of read', async () => {
    const prefix = redis.newPrefix();
    const writer = createLedgerStore({ redis: redis.connect(), prefix, maxFacts: 1000 });
    const written: LedgerFact[] = [];
    for (let index = 0; index < 60; index += 1) {
      const seq = (await writer.append(`msg_${index}`, factFor(index)))!;
      written.push({ seq, ...factFor(index) });
    }
    const inMonthOrder = [...written].sort((a, b) => a.eventDate.slice(0, 7).localeCompare(b.eventDate.slice(0, 7)) || a.seq - b.seq);
    const lineBytes = (await redis.connect().strlen(ledgerKeys(prefix).month('2026-01'))) / 20;
    for (const readChunkBytes of [1, 7, 64, 150, Math.max(1, Math.round(lineBytes)), 4 * 2 ** 20]) {
      const store = createLedgerStore({ redis: redis.connect(), prefix, maxFacts: 1000, readChunkBytes });
      const read: LedgerFact[] = [];
      for await (const batch of store.read(45)) read.push(...batch.map(plain));
      expect(read, `reads of ${readChunkBytes} bytes`).toEqual(inMonthOrder.filter((fact) => fact.seq <= 45));
      const january = (await store.monthFacts('2026-01')).map(({ fact, messageId }) => [messageId, plain(fact)]);
      expect(january).toEqual(inMonthOrder.filter((fact) => fact.eventDate.startsWith('2026-01')).map((fact) => [`msg_${fact.seq - 1}`, fact]));
    }
  });
});
