import { createHash } from 'node:crypto';
import { parseAuditInput } from '../audit/appender.js';
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
  const consult = () => consultAndAnswer(deps, caller, opened);
  return answerOnce(deps.idempotency, caller.agencyId, opened.jti, compact, consult, {
    keep: (answer): QueryRecord => ({ id: answer.id, answerSha256: createHash('sha256').update(answer.answer, 'utf8').digest('hex') }),
    replay: consult,
  });
}

/**
 * The register is read only for permitted holders, and the answer is sealed
 * to the asker only once the consultation entry is durable (answerOnce then
 * keeps the answer's hash for retries).
 */
async function consultAndAnswer(deps: QueryDeps, caller: CallerIdentity, opened: OpenedMessage): Promise<QueryAnswer> {
  const queryId = messageIdFor(caller.agencyId, opened.jti);
  const subjectKeys = deps.subjectKeysOf(opened.record);
  const decisions = deps
    .candidateHolders()
    .filter((holder) => holder !== caller.agencyId)
    .map((holder) => ({ holder, decision: decideQuestion(deps, opened, caller, holder, opened.record) }));
  const permitted = decisions.filter((entry) => entry.decision.effect === 'permit' && entry.decision.obligations);

  const disclosedFlags: Array<Record<string, unknown>> = [];
  const fieldsDisclosed = new Set<string>();
  const fieldsWithheld = new Set<string>();
  const heldBack: PolicyDecision[] = [];
  let registerKnowsChild = false;
  if (permitted.length > 0) {
    // The entry that will record this reading is checked against the audit
    // schema before the register is touched: a query the log could not
    // record is never read for (its fields other than the counts are known now).
    parseAuditInput(consultationEntry(opened, queryId, subjectKeys, permitted, decisions, 0, new Set(), new Set(), [], false));
    const requested = asStringArray(opened.record.body['flagCodes']);
    const held = await deps.lookupFlags(subjectKeys, requested);
    for (const { holder, decision: askersView } of permitted) {
      for (const [view, flags] of byRegisterView(held.filter((flag) => flag.holder === holder))) {
        const decision = registerViewDecision(deps, opened, caller, holder, askersView, view);
        registerKnowsChild ||= view.child;
        if (decision.effect !== 'permit' || !decision.obligations) {
          heldBack.push(decision);
          fieldsWithheld.add('body.flags');
          continue;
        }
        const answerRecord = { ...opened.record, body: { ...opened.record.body, flags: flags.map(({ code, level, reviewDate }) => ({ code, level, reviewDate })) } };
        const minimised = deps.policy.minimise(answerRecord, decision.obligations);
        const minimisedFlags = asObjectArray((minimised.record.body as Record<string, unknown> | undefined)?.['flags']);
        minimised.disclosed.filter((path) => path.startsWith('body.flags')).forEach((path) => fieldsDisclosed.add(path));
        minimised.withheld.filter((path) => path.startsWith('body.flags')).forEach((path) => fieldsWithheld.add(path));
        for (const flag of minimisedFlags) disclosedFlags.push({ ...flag, holder: deps.holderContact(holder) });
      }
    }
  }

  const consultation = consultationEntry(opened, queryId, subjectKeys, permitted, decisions, disclosedFlags.length, fieldsDisclosed, fieldsWithheld, heldBack, registerKnowsChild);
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

function consultationEntry(
  opened: OpenedMessage,
  queryId: string,
  subjectKeys: string[],
  permitted: Array<{ holder: string; decision: PolicyDecision }>,
  decisions: Array<{ holder: string; decision: PolicyDecision }>,
  flagCount: number,
  fieldsDisclosed: Set<string>,
  fieldsWithheld: Set<string>,
  heldBack: PolicyDecision[],
  registerKnowsChild: boolean,
) {
  const common = {
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    subjectCategory: opened.record.subject.category as 'suspect',
    // The register knowing the subject as a child makes this a consultation about a child, whatever the asker said.
    isChild: decisions.some((entry) => entry.decision.isChild) || registerKnowsChild,
    messageId: queryId,
    correlationId: opened.jti,
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
  const heldBackNote =
    heldBack.length > 0
      ? ` Flags held under the holder's own view of the subject (${[...new Set(heldBack.map((decision) => (decision.isChild ? 'a child' : 'another category')))].join(', ')}) were withheld: ${heldBack.map((decision) => decision.explanation).join(' ')}`
      : '';
  return {
    ...common,
    event: 'consultation' as const,
    decision: 'permit' as const,
    ruleIds: [...new Set([...permitted.flatMap((entry) => entry.decision.ruleIds), ...heldBack.flatMap((decision) => decision.ruleIds)])],
    legalBases: [...new Set(permitted.flatMap((entry) => entry.decision.legalBases))],
    fieldsDisclosed: [...fieldsDisclosed],
    fieldsWithheld: [...fieldsWithheld],
    recipients: [opened.signerAgencyId],
    outcome: flagCount > 0 ? 'flags-disclosed' : heldBack.length > 0 ? 'flags-withheld' : 'nothing-held',
    reason: (
      (flagCount > 0
        ? `${flagCount} risk flag(s) disclosed from ${permitted.map((entry) => entry.holder).join(', ')}.`
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
