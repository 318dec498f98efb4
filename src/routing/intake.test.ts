import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { acceptMessage, type IntakeAnswer, type IntakeDeps } from './intake.js';
import type { DeliveryRequest, OpenedMessage, PolicyDecision } from './ports.js';

/**
 * acceptMessage with its ports filled by small in-memory parts: what reaches
 * the audit log, the delivery port and the idempotency store, in which order,
 * when routing succeeds and when it fails half-way.
 */

const opened: OpenedMessage = {
  signerAgencyId: 'nv-police',
  jti: 'jti-synthetic-0001',
  issuedAt: new Date('2026-11-22T09:00:00Z'),
  originalHash: 'a'.repeat(64),
  record: {
    type: 'arrest-notification',
    purpose: 'ppo-offender-management',
    actor: { id: 'pc-0001', role: 'custody-officer' },
    subject: { identifiers: { pnc: '2000/0000001X' }, name: { given: 'Alex', family: 'Example' }, dateOfBirth: '1990-01-01', category: 'suspect' },
    body: { offenceCode: 'TH68001' },
    to: ['nv-probation', 'nv-housing'],
  },
};

function decision(effect: 'permit' | 'deny', rule: string, notify: string[] = []): PolicyDecision {
  return {
    effect,
    ruleIds: [rule],
    purpose: 'ppo-offender-management',
    legalBases: ['dpa-2018-part3'],
    isChild: false,
    explanation: `${effect} by ${rule}`,
    policyVersion: '0123456789abcdef',
    ...(effect === 'permit' ? { obligations: { disclose: [], marking: 'OFFICIAL-SENSITIVE', retainDays: 30, notify } } : {}),
  };
}

function harness(reseal: (recipient: string) => Promise<string>, decide: (recipient: string) => PolicyDecision = defaultDecide) {
  const calls: string[] = [];
  const appended: AuditEntryInput[][] = [];
  const delivered: DeliveryRequest[] = [];
  const idempotency: IdempotencyStore<IntakeAnswer> = {
    claim: async () => ({ kind: 'new', lease: 'lease-1' }),
    complete: async () => void calls.push('idempotency.complete'),
    release: async (_agency, _jti, lease) => void calls.push(`idempotency.release ${lease}`),
  };
  const deps: IntakeDeps = {
    openMessage: async () => opened,
    policy: {
      decide: (_record, _sender, recipient) => decide(recipient),
      minimise: (record) => ({ record: { type: record.type, purpose: record.purpose }, disclosed: ['type', 'purpose'], withheld: ['body.offenceCode'] }),
      recipientsFor: () => [],
      agencyExists: () => true,
      forbidding: () => undefined,
      purposeExists: () => true,
      purposes: () => [],
    },
    audit: {
      append: async (entry) => void (calls.push('audit.append'), appended.push([entry])),
      appendMany: async (entries) => void (calls.push('audit.appendMany'), appended.push(entries)),
    },
    subjectKeysOf: () => ['b'.repeat(64)],
    idempotency,
    reseal: { sealForRecipient: (recipient) => reseal(recipient) },
    deliveries: { accept: async (_id, _sender, _outcomes, deliveries) => void (calls.push('deliveries.accept'), delivered.push(...deliveries)) },
    clock: () => new Date('2026-11-22T09:00:01Z'),
  };
  return { deps, calls, appended, delivered };
}

function defaultDecide(recipient: string): PolicyDecision {
  return recipient === 'nv-probation' ? decision('permit', 'cc-arrest-to-offender-manager') : decision('deny', 'default-deny');
}

const caller = { agencyId: 'nv-police', role: 'police' };

describe('acceptMessage', () => {
  it('writes the collection and every decision in one append, before anything is handed to delivery, and answers last', async () => {
    const { deps, calls, appended, delivered } = harness(async (recipient) => `sealed-for-${recipient}`);
    const answer = await acceptMessage(deps, caller, 'compact-jwe');

    expect(calls).toEqual(['audit.appendMany', 'deliveries.accept', 'idempotency.complete']);
    expect(appended).toHaveLength(1);
    expect(appended[0]!.map((entry) => [entry.event, entry.recipients?.[0]])).toEqual([
      ['collection', undefined],
      ['disclosure', 'nv-probation'],
      ['refusal', 'nv-housing'],
    ]);
    expect(delivered).toEqual([expect.objectContaining({ recipient: 'nv-probation', jwe: 'sealed-for-nv-probation' })]);
    expect(answer.recipients).toEqual([
      { agency: 'nv-probation', status: 'queued' },
      { agency: 'nv-housing', status: 'denied', rule: 'default-deny', reason: 'deny by default-deny' },
    ]);
  });

  it('records the collection and a refusal naming the error when routing fails, and hands nothing to delivery', async () => {
    const { deps, calls, appended, delivered } = harness(async () => {
      throw new HubError('RECIPIENT_UNKNOWN', 'no encryption certificate is known for this agency');
    });
    await expect(acceptMessage(deps, caller, 'compact-jwe')).rejects.toMatchObject({ code: 'RECIPIENT_UNKNOWN' });

    // The lease is given up, so the sender's retry is taken at once.
    expect(calls).toEqual(['audit.appendMany', 'idempotency.release lease-1']);
    expect(appended).toEqual([
      [
        expect.objectContaining({ event: 'collection', agency: 'nv-police', messageType: 'arrest-notification' }),
        expect.objectContaining({ event: 'refusal', decision: 'not-applicable', outcome: 'RECIPIENT_UNKNOWN' }),
      ],
    ]);
    expect(delivered).toEqual([]);
  });

  it('turns a notice that cannot be sealed into the message refusal, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { deps, appended, delivered } = harness(
        async (recipient) => {
          if (recipient === 'nv-childrens') throw new HubError('CERT_REVOKED', 'a certificate in the chain has been revoked');
          // The disclosure's own seal settles later than the notice's failure.
          await new Promise((resolve) => setTimeout(resolve, 20));
          return `sealed-for-${recipient}`;
        },
        (recipient) => (recipient === 'nv-probation' ? decision('permit', 'ca-arrest-of-child-to-yot', ['nv-childrens']) : decision('deny', 'default-deny')),
      );
      await expect(acceptMessage(deps, caller, 'compact-jwe')).rejects.toMatchObject({ code: 'CERT_REVOKED' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(appended.flat().map((entry) => entry.event)).toEqual(['collection', 'refusal']);
      expect(delivered).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('gives each notice the id of the disclosure it is about, so two disclosures notifying one agency make two notices', async () => {
    const permitNotifying = (recipient: string) => decision('permit', `rule-for-${recipient}`, ['nv-childrens']);
    const { deps, delivered, appended } = harness(async (recipient) => `sealed-for-${recipient}`, permitNotifying);
    const answer = await acceptMessage(deps, caller, 'compact-jwe');

    expect(delivered.map((delivery) => [delivery.messageId, delivery.recipient])).toEqual([
      [answer.id, 'nv-probation'],
      [`${answer.id}.notice.nv-probation`, 'nv-childrens'],
      [answer.id, 'nv-housing'],
      [`${answer.id}.notice.nv-housing`, 'nv-childrens'],
    ]);
    expect(appended[0]!.filter((entry) => entry.outcome === 'notice-queued').map((entry) => entry.recipients)).toEqual([['nv-childrens'], ['nv-childrens']]);
  });
});

describe('acceptMessage and the review dates of flags', () => {
  const flagUpdate: OpenedMessage = {
    ...opened,
    record: { ...opened.record, type: 'risk-flag-update', body: { flags: [{ code: 'violence', action: 'set', level: 'high', reviewDate: '2026-11-22' }] } },
  };

  it('refuses a flag whose review date has passed as a collected message refused whole, and gives up the lease', async () => {
    const { deps, calls, appended, delivered } = harness(async (recipient) => `sealed-for-${recipient}`);
    const afterMidnight = { ...deps, openMessage: async () => flagUpdate, clock: () => new Date('2026-11-23T00:01:00Z') };
    await expect(acceptMessage(afterMidnight, caller, 'compact-jwe')).rejects.toMatchObject({ code: 'MESSAGE_INVALID', details: { issues: [{ path: 'body.flags[0].reviewDate', code: 'review_date_passed' }] } });
    expect(calls).toEqual(['audit.appendMany', 'idempotency.release lease-1']);
    expect(appended).toEqual([[expect.objectContaining({ event: 'collection' }), expect.objectContaining({ event: 'refusal', outcome: 'MESSAGE_INVALID' })]]);
    expect(delivered).toEqual([]);
  });

  it('answers a replay of an update accepted on its review date with the first answer, even after midnight', async () => {
    const { deps, calls, appended } = harness(async (recipient) => `sealed-for-${recipient}`);
    const first: IntakeAnswer = { id: 'msg_first000000', recipients: [{ agency: 'nv-probation', status: 'queued' }] } as IntakeAnswer;
    const replayed = {
      ...deps,
      openMessage: async () => flagUpdate,
      clock: () => new Date('2026-11-23T00:01:00Z'),
      idempotency: { ...deps.idempotency, claim: async () => ({ kind: 'replay' as const, answer: first }) },
    };
    await expect(acceptMessage(replayed, caller, 'compact-jwe')).resolves.toBe(first);
    expect(calls).toEqual([]);
    expect(appended).toEqual([]);
  });
});
