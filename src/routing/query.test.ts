import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { answerQuery, type HeldFlag, type QueryDeps, type QueryRecord } from './query.js';
import type { OpenedMessage, PolicyDecision } from './ports.js';

/**
 * answerQuery with its ports filled by small in-memory parts: in which order
 * the audit log, the flag register and the sealing are reached, and what the
 * log is told. Nothing about a subject may be read or answered before an
 * entry saying so is durable (DPA 2018 s.62(1)(c) and (d)).
 */

const opened: OpenedMessage = {
  signerAgencyId: 'nv-probation',
  jti: 'jti-synthetic-query-0001',
  issuedAt: new Date('2026-11-22T09:00:00Z'),
  originalHash: 'a'.repeat(64),
  record: {
    type: 'risk-flag-query',
    purpose: 'ppo-offender-management',
    actor: { id: 'om.example@probation', role: 'offender-manager' },
    subject: { identifiers: { pnc: '2000/0000001X' }, name: { given: 'Alex', family: 'Example' }, dateOfBirth: '1990-01-01', category: 'suspect' },
    body: {},
  },
};

const permit: PolicyDecision = {
  effect: 'permit',
  ruleIds: ['cc-flag-query'],
  purpose: 'ppo-offender-management',
  legalBases: ['dpa-2018-part3'],
  isChild: false,
  explanation: 'permit by cc-flag-query',
  policyVersion: '0123456789abcdef',
  obligations: { disclose: ['body.flags[].code', 'body.flags[].level', 'body.flags[].reviewDate'], marking: 'OFFICIAL-SENSITIVE', retainDays: 30, notify: [] },
};

const heldFlag: HeldFlag = { code: 'violence', level: 'high', reviewDate: '2027-02-01', holder: 'nv-police', concernsChild: false, subjectCategory: 'suspect' };

function harness(options: { appendFails?: boolean; held?: HeldFlag[] } = {}) {
  const calls: string[] = [];
  const appended: AuditEntryInput[] = [];
  const idempotency: IdempotencyStore<QueryRecord> = {
    claim: async () => ({ kind: 'new', lease: 'lease-1' }),
    complete: async () => void calls.push('idempotency.complete'),
    release: async () => void calls.push('idempotency.release'),
  };
  const record = async (entries: AuditEntryInput[]) => {
    calls.push(`audit ${entries.map((entry) => `${entry.event}:${entry.outcome}`).join(',')}`);
    if (options.appendFails) throw new HubError('UNAVAILABLE', 'the audit log is unavailable');
    appended.push(...entries);
  };
  const deps: QueryDeps = {
    openMessage: async () => opened,
    policy: {
      decide: () => permit,
      minimise: (answer) => ({ record: { ...answer }, disclosed: ['body.flags[].code', 'body.flags[].level', 'body.flags[].reviewDate'], withheld: [] }),
      recipientsFor: () => [],
      agencyExists: () => true,
      forbidding: () => undefined,
      purposeExists: () => true,
      purposes: () => [],
    },
    audit: { append: (entry) => record([entry]), appendMany: (entries) => record(entries) },
    subjectKeysOf: () => ['b'.repeat(64)],
    idempotency,
    reseal: { sealForRecipient: async (recipient) => (calls.push(`seal for ${recipient}`), 'sealed-answer') },
    lookupFlags: async () => (calls.push('register read'), options.held ?? [heldFlag]),
    candidateHolders: () => ['nv-police', 'nv-probation'],
    holderContact: (agency) => ({ agency, name: agency, contact: { name: 'Duty desk', email: 'duty@example.invalid' } }),
  };
  return { deps, calls, appended };
}

const caller = { agencyId: 'nv-probation', role: 'probation' };

describe('answerQuery: the audit trail comes first', () => {
  it('records the consultation before the register is read, and the disclosure before the answer is sealed', async () => {
    const { deps, calls, appended } = harness();
    await answerQuery(deps, caller, 'compact-query');
    expect(calls).toEqual(['audit consultation:register-consulted', 'register read', 'audit disclosure:flags-disclosed', 'seal for nv-probation', 'idempotency.complete']);
    const [consultation, disclosure] = appended;
    expect(consultation).toMatchObject({ event: 'consultation', agency: 'nv-probation', decision: 'permit', ruleIds: ['cc-flag-query'] });
    // Nothing is released by the consultation itself.
    expect(consultation?.recipients ?? []).toEqual([]);
    expect(consultation?.fieldsDisclosed ?? []).toEqual([]);
    expect(disclosure).toMatchObject({
      event: 'disclosure',
      agency: 'nv-probation',
      decision: 'permit',
      recipients: ['nv-probation'],
      messageType: 'risk-flag-query',
      outcome: 'flags-disclosed',
      fieldsDisclosed: ['body.flags[].code', 'body.flags[].level', 'body.flags[].reviewDate'],
    });
    expect(disclosure?.correlationId).toBe(consultation?.correlationId);
  });

  it('never reads the register when the consultation cannot be recorded', async () => {
    const { deps, calls } = harness({ appendFails: true });
    await expect(answerQuery(deps, caller, 'compact-query')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).not.toContain('register read');
    expect(calls.some((call) => call.startsWith('seal'))).toBe(false);
    expect(calls).toContain('idempotency.release');
  });

  it('records "nothing held" as a disclosure of nothing, so the trail of every permitted question has the same shape', async () => {
    const { deps, appended } = harness({ held: [] });
    await answerQuery(deps, caller, 'compact-query');
    expect(appended.map((entry) => `${entry.event}:${entry.outcome}`)).toEqual(['consultation:register-consulted', 'disclosure:nothing-held']);
    expect(appended[1]?.fieldsDisclosed ?? []).toEqual([]);
  });

  it('a refused question is one refusal entry and the register is never read', async () => {
    const { deps, calls, appended } = harness();
    deps.policy.decide = () => ({ ...permit, effect: 'deny', ruleIds: ['default-deny'], obligations: undefined });
    await answerQuery(deps, caller, 'compact-query');
    expect(calls).not.toContain('register read');
    expect(appended.map((entry) => `${entry.event}:${entry.outcome}`)).toEqual(['refusal:query-not-permitted']);
  });
});
