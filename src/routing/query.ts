import { createHash } from 'node:crypto';
import type { AuditEntryInput } from '../audit/entry.js';
import { HubError } from '../errors.js';
import { answerOnce, type IdempotencyStore } from './idempotency-store.js';
import { assertPurposeInCatalog, assertSentToItsEndpoint, assertSignedByCaller, auditEveryRefusal, auditRefusedEnvelope, withExpectedSigner } from './caller-checks.js';
import { messageIdFor } from './message-id.js';
import type { StatisticsPort } from '../statistics/statistics-port.js';
import type { AuditPort, CallerIdentity, MessageRecord, OpenedMessage, PolicyDecision, PolicyPort, RefusalPort, ResealPort, SubjectView } from './ports.js';

/**
 * The query use case: decided like a message, then answered from the hub's
 * flag register in the same exchange, sealed to the asker.
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
 *
 * The asker's record is the asker's claim about the subject. Two things keep
 * it from widening what the asker sees:
 *
 * - the answer flows from holder to asker, so a forbid refusing that flow
 *   (one scoped by `to:` to the asker's role) refuses the question, as well
 *   as one refusing the question's own flow;
 * - each flag is disclosed only if the holder's own view of the subject, kept
 *   with the flag (child or not, its category), permits it too: an asker
 *   giving an adult's date of birth, or calling a victim a suspect, does not
 *   see flags the register holds about a child or a victim.
 */
export interface HeldFlag {
  code: string;
  level: string;
  reviewDate: string;
  holder: string;
  /** The holder's view when it set the flag (absent on flags set before the register kept it). */
  concernsChild?: boolean;
  subjectCategory?: string;
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
  /** How a refused envelope is audited and answered; default: an entry each (caller-checks.ts). */
  refusals?: RefusalPort;
  subjectKeysOf(record: MessageRecord): string[];
  /** Keeps, per (asker, jti), the request's hash and the answer's hash only (QueryRecord). */
  idempotency: IdempotencyStore<QueryRecord>;
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

/**
 * What the replay record keeps of an answer: its id and the SHA-256 of the
 * sealed answer, never the answer itself, which would sit in Redis for the
 * whole replay window. A same-bytes retry is consulted and answered afresh
 * (and audited as the consultation it is): reading the register twice for
 * one question changes nothing, and the asker gets what the register holds now.
 */
export interface QueryRecord {
  id: string;
  answerSha256: string;
}

export async function answerQuery(deps: QueryDeps, caller: CallerIdentity, compact: string): Promise<QueryAnswer> {
  let opened: OpenedMessage;
  try {
    opened = await openQuery(deps, caller, compact);
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    // A refused query is a refusal like a refused message (DPA 2018 s.62): audited, nothing else happens.
    const refusal = withExpectedSigner(error, caller);
    throw await auditRefusedEnvelope(deps.refusals ?? auditEveryRefusal(deps.audit), caller.agencyId, 'query', refusal);
  }
  return answerOnce(deps.idempotency, caller.agencyId, opened.jti, compact, () => consultAndAnswer(deps, caller, opened, 'first'), {
    keep: (answer): QueryRecord => ({ id: answer.id, answerSha256: createHash('sha256').update(answer.answer, 'utf8').digest('hex') }),
    // A replay reads and answers again (and is audited so), but it is not a new question for the statistics.
    replay: () => consultAndAnswer(deps, caller, opened, 'replay'),
  });
}

/**
 * The trail comes first: a permitted question is recorded as a consultation
 * (DPA 2018 s.62(1)(c)) before the register is read, and what the answer
 * releases as a disclosure (s.62(1)(d)) before it is sealed to the asker, so
 * nothing about a subject is read or answered without a durable entry saying
 * so. answerOnce then keeps the answer's hash for retries.
 */
async function consultAndAnswer(deps: QueryDeps, caller: CallerIdentity, opened: OpenedMessage, asked: 'first' | 'replay'): Promise<QueryAnswer> {
  const queryId = messageIdFor(caller.agencyId, opened.jti);
  const subjectKeys = deps.subjectKeysOf(opened.record);
  const decisions = deps
    .candidateHolders()
    .filter((holder) => holder !== caller.agencyId)
    .map((holder) => ({ holder, decision: decideQuestion(deps, opened, caller, holder, opened.record) }));
  const permitted = decisions.filter((entry) => entry.decision.effect === 'permit' && entry.decision.obligations);
  const trail = trailCommon(opened, queryId, subjectKeys, decisions);

  let disclosedFlags: Array<Record<string, unknown>> = [];
  if (permitted.length === 0) {
    await deps.audit.append(refusalEntry(trail, opened, decisions));
  } else {
    await recordConsultation(asked === 'first' ? deps.statistics : undefined, deps.audit, caller, opened, trail, consultationEntry(trail, permitted));
    const readout = await readRegister(deps, caller, opened, subjectKeys, permitted);
    await deps.audit.append(disclosureEntry(trail, permitted, readout));
    disclosedFlags = readout.disclosedFlags;
  }
  const answer = await deps.reseal.sealForRecipient(caller.agencyId, {
    type: 'risk-flag-answer',
    purpose: opened.record.purpose,
    body: { queryId, flags: disclosedFlags },
    provenance: { messageId: queryId, originalJti: opened.jti, originalHash: opened.originalHash },
  });
  return { id: queryId, answer };
}

/** The consultation entry, with the statistics fact of a question put to the register (queries per arrest) in the same append. */
async function recordConsultation(
  statistics: StatisticsPort | undefined,
  audit: AuditPort,
  caller: CallerIdentity,
  opened: OpenedMessage,
  trail: TrailCommon,
  consultation: AuditEntryInput,
): Promise<void> {
  const { messageId, correlationId, subjectKeys } = trail;
  const fact = await statistics?.prepare({ record: opened.record, senderId: caller.agencyId, issuedAt: opened.issuedAt, messageId, correlationId, subjectKeys });
  if (!fact) {
    await audit.append(consultation);
    return;
  }
  await audit.appendMany([consultation, fact.entry]);
  await statistics!.write(fact);
}

/** What the register released to the asker for the permitted holders, minimised by each permitting rule. */
interface RegisterReadout {
  disclosedFlags: Array<Record<string, unknown>>;
  fieldsDisclosed: Set<string>;
  fieldsWithheld: Set<string>;
  heldBack: PolicyDecision[];
  registerKnowsChild: boolean;
}

async function readRegister(
  deps: QueryDeps,
  caller: CallerIdentity,
  opened: OpenedMessage,
  subjectKeys: string[],
  permitted: Array<{ holder: string; decision: PolicyDecision }>,
): Promise<RegisterReadout> {
  const readout: RegisterReadout = { disclosedFlags: [], fieldsDisclosed: new Set(), fieldsWithheld: new Set(), heldBack: [], registerKnowsChild: false };
  const held = await deps.lookupFlags(subjectKeys, asStringArray(opened.record.body['flagCodes']));
  for (const { holder, decision: askersView } of permitted) {
    for (const [view, flags] of byRegisterView(held.filter((flag) => flag.holder === holder))) {
      const decision = registerViewDecision(deps, opened, caller, holder, askersView, view);
      readout.registerKnowsChild ||= view.child;
      if (decision.effect !== 'permit' || !decision.obligations) {
        readout.heldBack.push(decision);
        readout.fieldsWithheld.add('body.flags');
        continue;
      }
      const answerRecord = { ...opened.record, body: { ...opened.record.body, flags: flags.map(({ code, level, reviewDate }) => ({ code, level, reviewDate })) } };
      const minimised = deps.policy.minimise(answerRecord, decision.obligations);
      const minimisedFlags = asObjectArray((minimised.record.body as Record<string, unknown> | undefined)?.['flags']);
      minimised.disclosed.filter((path) => path.startsWith('body.flags')).forEach((path) => readout.fieldsDisclosed.add(path));
      minimised.withheld.filter((path) => path.startsWith('body.flags')).forEach((path) => readout.fieldsWithheld.add(path));
      for (const flag of minimisedFlags) readout.disclosedFlags.push({ ...flag, holder: deps.holderContact(holder) });
    }
  }
  return readout;
}

/**
 * Whether `caller` may ask `holder` about the subject as `record` describes
 * it: the question's own flow (asker to holder) must be permitted, and the
 * answer's flow (holder to asker) not forbidden.
 */
function decideQuestion(deps: QueryDeps, opened: OpenedMessage, caller: CallerIdentity, holder: string, record: MessageRecord, view?: SubjectView): PolicyDecision {
  const question = deps.policy.decide(record, caller.agencyId, holder, opened.issuedAt, view);
  if (question.effect !== 'permit') return question;
  return deps.policy.forbidding(record, holder, caller.agencyId, opened.issuedAt, view) ?? question;
}

/** The holder's view of the subject as kept with a flag; flags set before it was kept have none. */
interface RegisterView {
  child: boolean;
  category: string | undefined;
}

function byRegisterView(flags: HeldFlag[]): Array<[RegisterView, HeldFlag[]]> {
  const groups = new Map<string, [RegisterView, HeldFlag[]]>();
  for (const flag of flags) {
    const view: RegisterView = { child: flag.concernsChild === true, category: flag.subjectCategory };
    const key = `${view.child}|${view.category ?? ''}`;
    const group = groups.get(key) ?? [view, []];
    group[1].push(flag);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The decision for flags held under `view`: the asker's decision where the
 * register adds nothing, otherwise the question decided again with the
 * register's category and child status (the asker's own child status stays:
 * the more protective of the two wins).
 */
function registerViewDecision(deps: QueryDeps, opened: OpenedMessage, caller: CallerIdentity, holder: string, askersView: PolicyDecision, view: RegisterView): PolicyDecision {
  const category = view.category ?? opened.record.subject.category;
  const addsChild = view.child && !askersView.isChild;
  if (!addsChild && category === opened.record.subject.category) return askersView;
  const record = { ...opened.record, subject: { ...opened.record.subject, category } };
  return decideQuestion(deps, opened, caller, holder, record, { child: view.child || askersView.isChild });
}

type HolderDecisions = Array<{ holder: string; decision: PolicyDecision }>;

/** What every entry of one question's trail says alike. */
function trailCommon(opened: OpenedMessage, queryId: string, subjectKeys: string[], decisions: HolderDecisions) {
  return {
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    subjectCategory: opened.record.subject.category as 'suspect',
    isChild: decisions.some((entry) => entry.decision.isChild),
    messageId: queryId,
    correlationId: opened.jti,
    messageType: opened.record.type,
    purpose: opened.record.purpose,
    policyVersion: decisions[0]?.decision.policyVersion,
  };
}
type TrailCommon = ReturnType<typeof trailCommon>;

function refusalEntry(trail: TrailCommon, opened: OpenedMessage, decisions: HolderDecisions): AuditEntryInput {
  return {
    ...trail,
    event: 'refusal',
    decision: 'deny',
    ruleIds: [...new Set(decisions.flatMap((entry) => entry.decision.ruleIds))],
    outcome: 'query-not-permitted',
    reason: `The question was refused before the register was read: no rule lets ${opened.signerAgencyId} ask for this purpose.`,
  };
}

/** Every legal basis the permitting rules name, once each: the consultation and the disclosure rest on the same ones. */
function legalBasesOf(permitted: HolderDecisions): string[] {
  return [...new Set(permitted.flatMap((entry) => entry.decision.legalBases))];
}

/** The register about to be read, for these holders: nothing is released yet. */
function consultationEntry(trail: TrailCommon, permitted: HolderDecisions): AuditEntryInput {
  return {
    ...trail,
    event: 'consultation',
    decision: 'permit',
    ruleIds: [...new Set(permitted.flatMap((entry) => entry.decision.ruleIds))],
    legalBases: legalBasesOf(permitted),
    outcome: 'register-consulted',
    reason: `The flag register was consulted for flags held by ${permitted.map((entry) => entry.holder).join(', ')}.`,
  };
}

/** What the answer releases to the asker; "nothing held" is a disclosure of nothing, so every permitted question leaves the same trail. */
function disclosureEntry(trail: TrailCommon, permitted: HolderDecisions, readout: RegisterReadout): AuditEntryInput {
  const { heldBack, disclosedFlags } = readout;
  const heldBackNote =
    heldBack.length > 0
      ? ` Flags held under the holder's own view of the subject (${[...new Set(heldBack.map((decision) => (decision.isChild ? 'a child' : 'another category')))].join(', ')}) were withheld: ${heldBack.map((decision) => decision.explanation).join(' ')}`
      : '';
  return {
    ...trail,
    // The register knowing the subject as a child makes this a disclosure about a child, whatever the asker said.
    isChild: trail.isChild || readout.registerKnowsChild,
    event: 'disclosure',
    decision: 'permit',
    ruleIds: [...new Set([...permitted.flatMap((entry) => entry.decision.ruleIds), ...heldBack.flatMap((decision) => decision.ruleIds)])],
    legalBases: legalBasesOf(permitted),
    fieldsDisclosed: [...readout.fieldsDisclosed],
    fieldsWithheld: [...readout.fieldsWithheld],
    recipients: [trail.agency],
    outcome: disclosedFlags.length > 0 ? 'flags-disclosed' : heldBack.length > 0 ? 'flags-withheld' : 'nothing-held',
    reason: (
      (disclosedFlags.length > 0
        ? `${disclosedFlags.length} risk flag(s) disclosed from ${permitted.map((entry) => entry.holder).join(', ')}.`
        : 'The register held nothing the asker may see for this subject.') + heldBackNote
    ).slice(0, 1000),
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
  assertSentToItsEndpoint(opened.record, 'query');
  assertPurposeInCatalog(deps.policy, opened.record);
  if (opened.record.body['flags'] !== undefined) {
    // `body.flags` is the answer's field; an asker may not pre-fill it.
    throw new HubError('MESSAGE_INVALID', 'a query may not carry body.flags', { issues: [{ path: 'body.flags', code: 'not-allowed' }] });
  }
  return opened;
}
