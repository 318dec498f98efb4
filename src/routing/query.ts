import { HubError } from '../errors.js';
import { answerOnce, type IdempotencyStore } from './idempotency-store.js';
import { assertSignedByCaller, auditRefusedEnvelope } from './caller-checks.js';
import { messageIdFor } from './message-id.js';
import type { StatisticsPort } from '../statistics/statistics-port.js';
import type { AuditPort, CallerIdentity, MessageRecord, OpenedMessage, PolicyDecision, PolicyPort, ResealPort } from './ports.js';

/**
 * The query use case (DESIGN.md: "A query runs steps 1-7 and answers from the
 * hub's flag register in the same exchange, sealed to the asker").
 *
 * Order matters for lawfulness: which holders the asker may see, for this
 * purpose, is decided BEFORE the register is read, so a refused question
 * never touches the data. "Not permitted to see" and "nothing held" give the
 * same sealed answer, so nobody can probe for the existence of a flag; the
 * audit log records which of the two it was.
 *
 * The answer is the query record with `body.flags` filled in from the
 * register and then minimised by the permitting rule, so the same `disclose`
 * allow-list machinery governs it as every other disclosure.
 */
export interface HeldFlag {
  code: string;
  level: string;
  reviewDate: string;
  holder: string;
}

export interface HolderContact {
  agency: string;
  name: string;
  contact: { name: string; email: string };
}

export interface QueryDeps {
  openMessage(compact: string): Promise<OpenedMessage>;
  policy: PolicyPort;
  audit: AuditPort;
  subjectKeysOf(record: MessageRecord): string[];
  idempotency: IdempotencyStore<QueryAnswer>;
  reseal: ResealPort;
  lookupFlags(subjectKeys: string[], codes: readonly string[] | undefined): Promise<HeldFlag[]>;
  /** Every agency that could hold flags (the partner agencies). */
  candidateHolders(): string[];
  holderContact(agencyId: string): HolderContact;
  /** The statistics ledger: a permitted query is counted (queries per arrest), never its answer. */
  statistics?: StatisticsPort;
}

export interface QueryAnswer {
  id: string;
  /** The answer record, signed by the hub and encrypted to the asker. */
  answer: string;
}

export async function answerQuery(deps: QueryDeps, caller: CallerIdentity, compact: string): Promise<QueryAnswer> {
  let opened: OpenedMessage;
  try {
    opened = await openQuery(deps, caller, compact);
  } catch (error) {
    // A refused query is a refusal like a refused message (DPA 2018 s.62): audited, nothing else happens.
    if (error instanceof HubError) await auditRefusedEnvelope(deps.audit, caller.agencyId, 'query', error);
    throw error;
  }
  return answerOnce(deps.idempotency, caller.agencyId, opened.jti, compact, () => consultAndAnswer(deps, caller, opened));
}

/** The register is read only for permitted holders; the answer is sealed to the asker (answerOnce stores it for retries). */
async function consultAndAnswer(deps: QueryDeps, caller: CallerIdentity, opened: OpenedMessage): Promise<QueryAnswer> {
  const queryId = messageIdFor(caller.agencyId, opened.jti);
  const subjectKeys = deps.subjectKeysOf(opened.record);
  const decisions = deps
    .candidateHolders()
    .filter((holder) => holder !== caller.agencyId)
    .map((holder) => ({ holder, decision: deps.policy.decide(opened.record, caller.agencyId, holder, opened.issuedAt) }));
  const permitted = decisions.filter((entry) => entry.decision.effect === 'permit' && entry.decision.obligations);

  const disclosedFlags: Array<Record<string, unknown>> = [];
  const fieldsDisclosed = new Set<string>();
  const fieldsWithheld = new Set<string>();
  if (permitted.length > 0) {
    const requested = asStringArray(opened.record.body['flagCodes']);
    const held = await deps.lookupFlags(subjectKeys, requested);
    for (const { holder, decision } of permitted) {
      const flags = held.filter((flag) => flag.holder === holder);
      if (flags.length === 0) continue;
      const answerRecord = { ...opened.record, body: { ...opened.record.body, flags: flags.map(({ code, level, reviewDate }) => ({ code, level, reviewDate })) } };
      const minimised = deps.policy.minimise(answerRecord, decision.obligations!);
      const minimisedFlags = asObjectArray((minimised.record.body as Record<string, unknown> | undefined)?.['flags']);
      minimised.disclosed.filter((path) => path.startsWith('body.flags')).forEach((path) => fieldsDisclosed.add(path));
      minimised.withheld.filter((path) => path.startsWith('body.flags')).forEach((path) => fieldsWithheld.add(path));
      for (const flag of minimisedFlags) disclosedFlags.push({ ...flag, holder: deps.holderContact(holder) });
    }
  }

  const consultation = consultationEntry(opened, queryId, subjectKeys, permitted, decisions, disclosedFlags.length, fieldsDisclosed, fieldsWithheld);
  // Only a question that was put to the register counts; a refused one was never asked.
  const fact =
    permitted.length > 0
      ? await deps.statistics?.prepare({ record: opened.record, senderId: caller.agencyId, issuedAt: opened.issuedAt, messageId: queryId, correlationId: consultation.correlationId, subjectKeys })
      : undefined;
  if (fact) await deps.audit.appendMany([consultation, fact.entry]);
  else await deps.audit.append(consultation);
  if (fact) await deps.statistics!.write(fact);
  const answer = await deps.reseal.sealForRecipient(caller.agencyId, {
    type: 'risk-flag-answer',
    purpose: opened.record.purpose,
    body: { queryId, flags: disclosedFlags },
    provenance: { messageId: queryId, originalJti: opened.jti, originalHash: opened.originalHash },
  });
  return { id: queryId, answer };
}

function consultationEntry(
  opened: OpenedMessage,
  queryId: string,
  subjectKeys: string[],
  permitted: Array<{ holder: string; decision: PolicyDecision }>,
  decisions: Array<{ holder: string; decision: PolicyDecision }>,
  flagCount: number,
  fieldsDisclosed: Set<string>,
  fieldsWithheld: Set<string>,
) {
  const common = {
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    subjectCategory: opened.record.subject.category as 'suspect',
    isChild: decisions.some((entry) => entry.decision.isChild),
    messageId: queryId,
    correlationId: opened.jti.slice(0, 128),
    messageType: opened.record.type,
    purpose: opened.record.purpose,
    policyVersion: decisions[0]?.decision.policyVersion,
  };
  if (permitted.length === 0) {
    const ruleIds = [...new Set(decisions.flatMap((entry) => entry.decision.ruleIds))];
    return {
      ...common,
      event: 'refusal' as const,
      decision: 'deny' as const,
      ruleIds,
      outcome: 'query-not-permitted',
      reason: `The question was refused before the register was read: no rule lets ${opened.signerAgencyId} ask for this purpose.`,
    };
  }
  return {
    ...common,
    event: 'consultation' as const,
    decision: 'permit' as const,
    ruleIds: [...new Set(permitted.flatMap((entry) => entry.decision.ruleIds))],
    legalBases: [...new Set(permitted.flatMap((entry) => entry.decision.legalBases))],
    fieldsDisclosed: [...fieldsDisclosed],
    fieldsWithheld: [...fieldsWithheld],
    recipients: [opened.signerAgencyId],
    outcome: flagCount > 0 ? 'flags-disclosed' : 'nothing-held',
    reason:
      flagCount > 0
        ? `${flagCount} risk flag(s) disclosed from ${permitted.map((entry) => entry.holder).join(', ')}.`
        : 'The register held nothing the asker may see for this subject.',
  };
}

function asStringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function asObjectArray(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

async function openQuery(deps: QueryDeps, caller: CallerIdentity, compact: string): Promise<OpenedMessage> {
  const opened = await deps.openMessage(compact);
  assertSignedByCaller(opened, caller, 'query');
  if (opened.record.type !== 'risk-flag-query') {
    throw new HubError('MESSAGE_TYPE_UNKNOWN', 'only risk-flag-query messages are answered at /v1/queries');
  }
  if (opened.record.body['flags'] !== undefined) {
    // `body.flags` is the answer's field; an asker may not pre-fill it.
    throw new HubError('MESSAGE_INVALID', 'a query may not carry body.flags', { issues: [{ path: 'body.flags', code: 'not-allowed' }] });
  }
  return opened;
}
