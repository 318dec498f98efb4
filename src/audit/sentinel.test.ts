import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { createLogger } from '../logger.js';
import { acceptMessage, type IntakeAnswer } from '../routing/intake.js';
import type { IdempotencyStore } from '../routing/idempotency-store.js';
import type { MessageRecord, OpenedMessage, PolicyDecision, PolicyPort } from '../routing/ports.js';
import { createAuditLog } from './log.js';
import { createSubjectKeyer } from './subject-keys.js';
import { createTestSigner } from './test-signer.js';

/**
 * Data minimisation in the log (UK GDPR art. 5(1)(c)): no value from a record reaches any stored byte of the
 * audit log. Records full of sentinel values go through the hub's intake use
 * case (src/routing, the way the hub will append) into a real audit log; then
 * the Redis dump, the archive files and the log output are searched.
 */

const SENTINELS = {
  given: 'SENTINEL-GIVEN-QX7KV',
  family: 'SENTINEL-FAMILY-ZP3MW',
  dateOfBirth: '1911-11-11',
  pnc: 'SENTINEL-PNC-88U2L',
  cro: 'SENTINEL-CRO-41RFA',
  custody: 'SENTINEL-CUSTODY-9TTYH',
  offence: 'SENTINEL-OFFENCE-D2C5B',
  address: 'SENTINEL-ADDRESS-17-NORTHVALE-ROW',
  note: 'SENTINEL-NOTE-Alex-Testperson-BJ6E',
};
const CONTROL = 'CONTROL-VALUE-PROVES-THE-SEARCH-SEES-HASHES';

let redis: TestRedis;
let archiveDir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  archiveDir = await mkdtemp(path.join(tmpdir(), 'isp-audit-sentinel-'));
});
afterAll(async () => {
  await redis.stop();
  await rm(archiveDir, { recursive: true, force: true });
});

function sentinelRecord(position: number): MessageRecord {
  return {
    type: 'arrest-notification',
    purpose: 'ppo-offender-management',
    actor: { id: `pc-${position}`, role: 'custody-officer' },
    subject: {
      identifiers: { pnc: `${SENTINELS.pnc}-${position}`, cro: SENTINELS.cro },
      name: { given: SENTINELS.given, family: SENTINELS.family },
      dateOfBirth: SENTINELS.dateOfBirth,
      category: 'suspect',
    },
    body: {
      custodyRecord: SENTINELS.custody,
      offence: { code: SENTINELS.offence, note: SENTINELS.note },
      address: SENTINELS.address,
    },
  };
}

/** A policy that permits probation (name and offence only) and refuses housing, as a rule file would. */
const policy: PolicyPort = {
  agencyExists: () => true,
  purposeExists: () => true,
  purposes: () => [],
  recipientsFor: () => ['northvale-probation', 'northvale-housing'],
  forbidding: () => undefined,
  decide: (_record, _sender, recipient): PolicyDecision =>
    recipient === 'northvale-probation'
      ? {
          effect: 'permit',
          ruleIds: ['ppo-arrest-to-probation'],
          purpose: 'ppo-offender-management',
          legalBases: ['dpa2018-s35'],
          obligations: { disclose: [], marking: 'official-sensitive', retainDays: 30, notify: ['northvale-yot'] },
          isChild: false,
          explanation: 'Permitted by rule ppo-arrest-to-probation for PPO offender management (DPA 2018 s.35).',
          policyVersion: '0123abcd0123abcd',
        }
      : {
          effect: 'deny',
          ruleIds: ['default-deny'],
          purpose: 'ppo-offender-management',
          legalBases: [],
          isChild: false,
          explanation: 'No rule permits housing to receive an arrest notification.',
          policyVersion: '0123abcd0123abcd',
        },
  minimise: (record) => ({
    record: { subject: { name: record.subject.name }, body: { offence: (record.body as { offence: unknown }).offence } },
    disclosed: ['subject.name.given', 'subject.name.family', 'body.offence.code', 'body.offence.note'],
    withheld: ['subject.dateOfBirth', 'body.custodyRecord', 'body.address'],
  }),
};

function memoryIdempotency(): IdempotencyStore<IntakeAnswer> {
  const answers = new Map<string, IntakeAnswer>();
  return {
    claim: async (agency, jti) => {
      const answer = answers.get(`${agency}/${jti}`);
      return answer ? { kind: 'replay', answer } : { kind: 'new' };
    },
    complete: async (agency, jti, answer) => void answers.set(`${agency}/${jti}`, answer),
    release: async () => undefined,
  };
}

function findSentinels(haystack: Buffer, where: string): string[] {
  const text = haystack.toString('latin1').toLowerCase();
  return Object.values(SENTINELS)
    .filter((value) => text.includes(value.toLowerCase()))
    .map((value) => `${value} in ${where}`);
}

describe('sentinel guarantee', () => {
  it('no record value reaches the Redis dump, the archive files or the log output', async () => {
    const prefix = redis.newPrefix();
    const client = redis.connect();
    const output = new PassThrough();
    const logged: Buffer[] = [];
    output.on('data', (chunk: Buffer) => logged.push(chunk));
    const logger = createLogger({ level: 'debug', stream: output });
    let now = new Date('2024-01-01T09:00:00.000Z');
    const log = createAuditLog({ redis: client, prefix, signer: await createTestSigner(), archiveDir, logger, clock: () => now });
    const keyer = createSubjectKeyer(Buffer.alloc(32, 3));

    for (let position = 0; position < 30; position += 1) {
      const opened: OpenedMessage = {
        signerAgencyId: 'northvale-police',
        jti: `jti-${position}`,
        issuedAt: now,
        record: sentinelRecord(position),
        originalHash: 'ab'.repeat(32),
      };
      await acceptMessage(
        {
          openMessage: async () => opened,
          policy,
          audit: log,
          subjectKeysOf: (record) =>
            Object.entries(record.subject.identifiers).flatMap(([kind, value]) => (value ? [keyer({ kind, value })] : [])),
          idempotency: memoryIdempotency(),
          reseal: { sealForRecipient: async () => 'sealed' },
          deliveries: { accept: async () => undefined },
          clock: () => now,
        },
        { agencyId: 'northvale-police', role: 'police' },
        `compact-${position}`,
      );
      if (position === 19) {
        await log.checkpoint();
        now = new Date('2024-06-01T09:00:00.000Z');
      }
    }
    // Trying to put the record itself into an entry is refused, and the refusal does not echo it.
    const smuggled = log.append({ event: 'collection', agency: 'northvale-police', record: sentinelRecord(99) } as never);
    await expect(smuggled).rejects.toMatchObject({ code: 'AUDIT_ENTRY_INVALID' });
    const refusal = await smuggled.catch((error: Error) => JSON.stringify({ message: error.message, ...(error as { details?: object }).details }));
    expect(findSentinels(Buffer.from(String(refusal)), 'the refusal')).toEqual([]);

    await log.checkpoint();
    const archived = await log.archive({ olderThan: new Date('2024-03-01T00:00:00.000Z') });
    expect(archived.archivedUpTo).toBeGreaterThan(0);
    const size = await log.size();
    expect(size).toBeGreaterThan(100); // collection, disclosure, notice and refusal entries per message

    // The entries do say what happened, by code and path.
    const sample = await log.getEntries([0, 1, 2, 3]);
    expect(sample.map((entry) => entry.event)).toEqual(['collection', 'disclosure', 'disclosure', 'refusal']);
    expect(sample.some((entry) => entry.fieldsDisclosed.includes('body.offence.note'))).toBe(true);

    // Redis: an uncompressed snapshot of every key, plus a control value that must be found.
    await client.hset(`${prefix}:control`, 'field', CONTROL);
    await client.config('SET', 'rdbcompression', 'no');
    await client.save();
    const [, dir] = (await client.config('GET', 'dir')) as [string, string];
    const [, dbfilename] = (await client.config('GET', 'dbfilename')) as [string, string];
    const dump = await readFile(path.join(dir, dbfilename));
    expect(dump.toString('latin1')).toContain(CONTROL);
    expect(dump.toString('latin1')).toContain('body.offence.note');

    const found = [...findSentinels(dump, 'the Redis dump')];
    const files = await readdir(archiveDir);
    expect(files.some((name) => name.endsWith('.jsonl'))).toBe(true);
    for (const name of files) found.push(...findSentinels(await readFile(path.join(archiveDir, name)), name));
    const output_ = Buffer.concat(logged);
    expect(output_.toString()).toContain('audit.append');
    found.push(...findSentinels(output_, 'the log output'));
    expect(found).toEqual([]);
  });
});
