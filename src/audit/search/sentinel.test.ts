import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createLogger } from '../../logger.js';
import { createIdempotencyStore } from '../../routing/idempotency-store.js';
import { acceptMessage, type IntakeAnswer } from '../../routing/intake.js';
import type { MessageRecord, PolicyDecision, PolicyPort } from '../../routing/ports.js';
import { createSubjectKeyer } from '../subject-keys.js';
import { createAuditLog } from '../index.js';
import { createAuditSearch } from './index.js';

/**
 * The sentinel guarantee for search: records whose every
 * value is a sentinel go through the hub's own intake use case (the route
 * that writes audit entries), a DPO then searches, views, exports and asks
 * for the subject report, and no sentinel may appear in anything search
 * returns, in the operational log, or anywhere in Redis (every key and
 * value, the AOF and an uncompressed RDB dump).
 */

const SENTINELS = {
  given: 'SENTINELGIVEN7Q',
  family: 'SENTINELFAMILY7Q',
  dateOfBirth: '2001-02-03',
  pnc: '1999/SENTINELPNC7Q',
  crn: 'SENTINELCRN7Q',
  street: '1 SENTINELSTREET7Q Road, Northvale',
  offence: 'SENTINELOFFENCE7Q',
  narrative: 'Alex Testperson SENTINELNARRATIVE7Q said =cmd|"/c calc"!A1',
  custody: 'SENTINELCUSTODY7Q',
};
/** Every sentinel, and case variants (identifiers are upper-cased before hashing). */
const NEEDLES = [...new Set(Object.values(SENTINELS).flatMap((value) => [value, value.toUpperCase(), value.toLowerCase()]))].concat(['SENTINEL', 'sentinel', 'Testperson']);

function sentinelRecord(): MessageRecord {
  return {
    type: 'arrest-notification',
    purpose: 'ppo-offender-management',
    actor: { id: 'pc-4242', role: 'custody-officer' },
    subject: {
      identifiers: { pnc: SENTINELS.pnc, crn: SENTINELS.crn },
      name: { given: SENTINELS.given, family: SENTINELS.family },
      dateOfBirth: SENTINELS.dateOfBirth,
      category: 'suspect',
    },
    body: {
      offence: { code: SENTINELS.offence, narrative: SENTINELS.narrative },
      address: { line1: SENTINELS.street },
      custodyRecord: SENTINELS.custody,
    },
  };
}

/** A small policy with the hub's shapes: probation may have the offence code, housing nothing. */
const policy: PolicyPort = {
  agencyExists: (id) => ['nv-police', 'nv-probation', 'nv-housing'].includes(id),
  purposeExists: () => true,
  purposes: () => [],
  recipientsFor: () => ['nv-probation', 'nv-housing'],
  forbidding: () => undefined,
  decide(_record, _sender, recipient): PolicyDecision {
    const common = { purpose: 'ppo-offender-management', isChild: false, policyVersion: 'a1b2c3d4e5f60718' };
    if (recipient === 'nv-probation') {
      return {
        ...common,
        effect: 'permit',
        ruleIds: ['ppo-arrest-to-probation'],
        legalBases: ['cda-1998-s115'],
        obligations: { disclose: ['body.offence.code', 'subject.identifiers.pnc'], marking: 'OFFICIAL-SENSITIVE', retainDays: 365, notify: [] },
        explanation: 'Permitted by ppo-arrest-to-probation under cda-1998-s115.',
      };
    }
    return { ...common, effect: 'deny', ruleIds: ['default-deny'], legalBases: [], explanation: 'No rule permits arrest-notification to nv-housing.' };
  },
  minimise(record, obligations) {
    const allowed = obligations.disclose as string[];
    const paths = ['subject.identifiers.pnc', 'subject.identifiers.crn', 'subject.name.given', 'subject.name.family', 'subject.dateOfBirth', 'body.offence.code', 'body.offence.narrative', 'body.address.line1', 'body.custodyRecord'];
    return {
      record: { subject: { identifiers: { pnc: record.subject.identifiers['pnc'] } }, body: { offence: { code: (record.body['offence'] as { code: string }).code } } },
      disclosed: paths.filter((item) => allowed.includes(item)),
      withheld: paths.filter((item) => !allowed.includes(item)),
    };
  },
};

let redisServer: TestRedis;
let redis: Redis;
beforeAll(async () => {
  redisServer = await startTestRedis();
  redis = redisServer.connect();
});
afterAll(async () => {
  await redisServer.stop();
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name);
    if ((await stat(full)).isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/** Every key name and value under Redis, read logically (no compression can hide a value). */
async function everythingInRedis(): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      else parts.push(`unknown type ${type}`);
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

describe('sentinel values never reach search results, exports, reports, logs or Redis', () => {
  it('holds for records full of sentinels sent through the intake use case', async () => {
    const prefix = redisServer.newPrefix();
    const keyer = createSubjectKeyer(Buffer.alloc(32, 9));
    const logLines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    const logger = createLogger({ stream: logStream, level: 'debug' });
    const auditLog = createAuditLog({ redis, prefix, logger });
    const search = createAuditSearch({ redis, prefix, auditLog, subjectKeyer: keyer, logger });

    // The hub's route for making entries: intake (steps 2-9), with its real idempotency store.
    const delivered: unknown[] = [];
    const answers: IntakeAnswer[] = [];
    for (let index = 0; index < 3; index += 1) {
      answers.push(
        await acceptMessage(
          {
            openMessage: async () => ({ signerAgencyId: 'nv-police', jti: `jti-${index}-0001`, issuedAt: new Date(), record: sentinelRecord(), originalHash: 'ab'.repeat(32) }),
            policy,
            audit: auditLog,
            subjectKeysOf: (record) => Object.entries(record.subject.identifiers).flatMap(([kind, value]) => (value ? [keyer({ kind, value })] : [])),
            idempotency: createIdempotencyStore<IntakeAnswer>({ redis, prefix, ttlSeconds: 3600 }),
            reseal: { sealForRecipient: async () => 'sealed-jwe-placeholder' },
            deliveries: { accept: async (...args) => void delivered.push(args) },
            clock: () => new Date(),
          },
          { agencyId: 'nv-police', role: 'police' },
          `compact-${index}`,
        ),
      );
    }
    expect(answers[0]!.recipients.map((item) => item.status).sort()).toEqual(['denied', 'queued']);

    // Everything a DPO can get out of search.
    const subject = { kind: 'pnc', value: SENTINELS.pnc };
    const outputs: string[] = [];
    const page = await search.search({ subject, limit: 500 }, { kind: 'scheme' }, { id: 'dpo-0003', role: 'dpo' });
    expect(page.entries.length).toBe(9); // per message: collection, disclosure, refusal
    outputs.push(JSON.stringify(page));
    outputs.push(JSON.stringify(await search.viewEntry(page.entries[0]!.seq, { kind: 'agency', agencyId: 'nv-police' }, { id: 'dpo-0004', role: 'dpo' })));
    for (const format of ['csv', 'jsonl'] as const) {
      let text = '';
      for await (const chunk of await search.openExport(format, { subject }, { kind: 'scheme' }, { id: 'dpo-0003', role: 'dpo' })) text += chunk;
      expect(text.length).toBeGreaterThan(500);
      outputs.push(text);
    }
    const report = await search.subjectReport(subject, { kind: 'scheme' }, { id: 'dpo-0003', role: 'dpo' });
    expect(report.disclosures).toHaveLength(3);
    expect(report.refusals).toHaveLength(3);
    outputs.push(JSON.stringify(report));
    outputs.push(await search.subjectReportCsv({ kind: 'crn', value: SENTINELS.crn }, { kind: 'agency', agencyId: 'nv-probation' }, { id: 'dpo-0005', role: 'dpo' }));

    // Redis: logically, and the bytes on disk (AOF, and an RDB written without compression).
    const inRedis = await everythingInRedis();
    const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
    const [, aofDir] = (await redis.config('GET', 'appenddirname')) as [string, string];
    await redis.config('SET', 'rdbcompression', 'no');
    await redis.save();
    const onDisk = [
      ...(await Promise.all((await filesUnder(path.join(dir, aofDir))).map((file) => readFile(file, 'latin1')))),
      await readFile(path.join(dir, 'dump.rdb'), 'latin1'),
    ];
    const logged = logLines.join('');

    // The checks can fail: the same places do hold the codes and keys that were logged.
    const subjectKey = keyer(subject);
    expect(inRedis).toContain(subjectKey);
    expect(onDisk.join('')).toContain(subjectKey);
    expect(outputs.join('')).toContain('body.offence.code');
    expect(logged).toContain('"kind":"search"');

    for (const [name, haystack] of [['search output', outputs.join('\n')], ['Redis', inRedis], ['Redis files', onDisk.join('\n')], ['log output', logged]] as const) {
      for (const needle of NEEDLES) {
        expect(haystack.includes(needle), `${name} holds a sentinel (${needle.slice(0, 3)}...)`).toBe(false);
      }
    }
  });
});
