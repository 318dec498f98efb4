import { createHash } from 'node:crypto';
import { HubError } from '../errors.js';
import type { AuditEntryInput } from '../audit/entry.js';
import { answerOnce, type IdempotencyStore } from './idempotency-store.js';
import { assertPurposeInCatalog, assertSentToItsEndpoint, assertSignedByCaller, auditEveryRefusal, auditRefusedEnvelope, withExpectedSigner } from './caller-checks.js';
import { assertFlagReviewDatesAhead, type FlagReviewHorizon } from './flag-review-dates.js';
import { messageIdFor } from './message-id.js';
import type { StatisticsPort } from '../statistics/statistics-port.js';
import type {
  AuditPort,
  CallerIdentity,
  DeliveryPort,
  DeliveryRequest,
  MessageRecord,
  OpenedMessage,
  PolicyDecision,
  PolicyPort,
  RecipientOutcome,
  RefusalPort,
  ResealPort,
} from './ports.js';

/**
 * The intake use case: from the opened envelope to the answer (docs/architecture.md).
 * Nothing is answered before the audit entries and delivery jobs are durable
 * in Redis; the answer is stored for idempotent retries last of all.
 */
export interface IntakeAnswer {
  id: string;
  recipients: Array<
    | { agency: string; status: 'queued' }
    | { agency: string; status: 'denied'; rule: string | null; reason: string }
  >;
}

export interface IntakeDeps {
  openMessage(compact: string): Promise<OpenedMessage>;
  policy: PolicyPort;
  audit: AuditPort;
  /** How a refused envelope is audited and answered; default: an entry each (caller-checks.ts). */
  refusals?: RefusalPort;
  subjectKeysOf(record: MessageRecord): string[];
  idempotency: IdempotencyStore<IntakeAnswer>;
  reseal: ResealPort;
  deliveries: DeliveryPort;
  clock: () => Date;
  /** The catalog's review horizon for flags; without one, the shipped catalog's (365 days, 183 for a child). */
  flagReviewHorizon?: () => FlagReviewHorizon;
  /**
   * Called for a risk-flag-update that the policy let the sender share with
   * at least one recipient (the flag register), with the permitting rules as
   * the lawful basis of the register change for its audit entries.
   */
  onFlagUpdate?: (opened: OpenedMessage, messageId: string, subjectKeys: string[], basis: FlagUpdateBasis) => Promise<void>;
  /** The statistics ledger, judged by the policy as one more recipient (src/statistics). */
  statistics?: StatisticsPort;
}

/** Why a flag change is lawful: the rules that permitted sharing the update, and their legal bases. */
export interface FlagUpdateBasis {
  ruleIds: string[];
  legalBases: string[];
  policyVersion: string;
  isChild: boolean;
}

const DEFAULT_HORIZON: FlagReviewHorizon = { maxDays: 365, maxDaysForChildren: 183 };

export async function acceptMessage(deps: IntakeDeps, caller: CallerIdentity, compact: string): Promise<IntakeAnswer> {
  let opened: OpenedMessage;
  try {
    opened = await deps.openMessage(compact);
    assertSignedByCaller(opened, caller, 'message');
    assertSentToItsEndpoint(opened.record, 'message');
    assertPurposeInCatalog(deps.policy, opened.record);
    assertNamedRecipientsExist(deps.policy, opened.record);
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    const refusal = withExpectedSigner(error, caller);
    throw await auditRefusedEnvelope(deps.refusals ?? auditEveryRefusal(deps.audit), caller.agencyId, 'message', refusal);
  }

  return answerOnce(deps.idempotency, caller.agencyId, opened.jti, compact, () => routeAndAnswer(deps, caller, opened));
}

/** Steps 5-9 for a message this attempt has claimed: decide, audit, hand over for delivery; answerOnce stores the answer. */
async function routeAndAnswer(deps: IntakeDeps, caller: CallerIdentity, opened: OpenedMessage): Promise<IntakeAnswer> {
  const messageId = messageIdFor(caller.agencyId, opened.jti);
  const subjectKeys = deps.subjectKeysOf(opened.record);
  const collection = collectionEntry(opened, messageId, subjectKeys);
  let routed: RoutingPlan;
  try {
    assertFlagReviewDatesAhead(opened.record, deps.clock(), deps.flagReviewHorizon?.() ?? DEFAULT_HORIZON);
    routed = await routeToRecipients(deps, caller, opened, messageId, subjectKeys);
    await deps.deliveries.assertRoom?.(routed.deliveries);
  } catch (error) {
    // The hub did collect the message, and then refused it as a whole (DPA 2018 s.62(1)(a)).
    const refused = [collection, routingFailedEntry(opened, messageId, subjectKeys, error)];
    await deps.audit.appendMany(refused, { once: onceKeyFor(messageId, refused) });
    throw error;
  }
  const fact = await deps.statistics?.prepare({ record: opened.record, senderId: caller.agencyId, issuedAt: opened.issuedAt, messageId, correlationId: collection.correlationId, subjectKeys });
  // One atomic append for the collection and every decision: the log never
  // holds a disclosure without its collection, and it costs one round trip.
  const decided = [collection, ...routed.entries, ...(fact ? [fact.entry] : [])];
  await deps.audit.appendMany(decided, { once: onceKeyFor(messageId, decided) });
  // Like a delivery, the statistics fact is written only once its entry is durable.
  if (fact) await deps.statistics!.write(fact);

  // The register answers queries from permitted holders, so a flag the policy
  // did not let this sender share (wrong purpose, wrong sender, a child's
  // record outside the annex) must never reach it: it would otherwise be
  // disclosed later through a query, with no rule behind the sharing
  // (DPA 2018 s.35(2): processing must be lawful; s.62(1)(b) alteration).
  const { permits } = routed;
  if (opened.record.type === 'risk-flag-update' && deps.onFlagUpdate && permits.length > 0) {
    await deps.onFlagUpdate(opened, messageId, subjectKeys, {
      ruleIds: unique(permits.flatMap((decision) => decision.ruleIds)),
      legalBases: unique(permits.flatMap((decision) => decision.legalBases)),
      policyVersion: permits[0]!.policyVersion,
      isChild: permits.some((decision) => decision.isChild),
    });
  }
  await deps.deliveries.accept(messageId, caller.agencyId, routed.outcomes, routed.deliveries);
  return toAnswer(messageId, routed.outcomes);
}

/** What intake will do for each recipient, with the audit entries that record it, before any of it is stored. */
interface RoutingPlan {
  entries: AuditEntryInput[];
  outcomes: RecipientOutcome[];
  deliveries: DeliveryRequest[];
  permits: PolicyDecision[];
}

/**
 * Decides, minimises and reseals for every recipient (steps 5-8). Nothing is
 * stored or sent here: the caller appends the entries, and only then hands
 * the deliveries over, so nothing leaves before it is audited (step 7). The
 * reseals run concurrently; the entries keep the recipients' order.
 */
async function routeToRecipients(deps: IntakeDeps, caller: CallerIdentity, opened: OpenedMessage, messageId: string, subjectKeys: string[]): Promise<RoutingPlan> {
  const now = deps.clock();
  const recipients = opened.record.to ?? deps.policy.recipientsFor(opened.record, caller.agencyId, opened.issuedAt);
  const planned = unique(recipients)
    .filter((id) => id !== caller.agencyId)
    .map(async (recipient) => {
      const decision = deps.policy.decide(opened.record, caller.agencyId, recipient, opened.issuedAt);
      if (decision.effect === 'deny' || !decision.obligations) {
        return {
          decision,
          entries: [refusalEntry(opened, messageId, subjectKeys, recipient, decision)],
          deliveries: [],
          outcome: { recipient, status: 'denied', ruleIds: decision.ruleIds, reason: decision.explanation } as RecipientOutcome,
        };
      }
      const prepared = await prepareDisclosure(deps, opened, messageId, subjectKeys, recipient, decision, now);
      return { decision, ...prepared, outcome: { recipient, status: 'queued' } as RecipientOutcome };
    });
  const plan: RoutingPlan = { entries: [], outcomes: [], deliveries: [], permits: [] };
  for (const step of await Promise.all(planned)) {
    plan.entries.push(...step.entries);
    plan.deliveries.push(...step.deliveries);
    plan.outcomes.push(step.outcome);
    if (step.outcome.status === 'queued') plan.permits.push(step.decision);
  }
  return plan;
}

/**
 * Minimise (step 6), the disclosure entry (step 7) and reseal (step 8).
 * Returns the delivery to the recipient plus any notices the rule's `notify`
 * obligation requires (e.g. children's services told when a child's record
 * goes out, PPO ISP children's annex), each with its disclosure entry.
 */
async function prepareDisclosure(
  deps: IntakeDeps,
  opened: OpenedMessage,
  messageId: string,
  subjectKeys: string[],
  recipient: string,
  decision: PolicyDecision,
  now: Date,
): Promise<{ entries: AuditEntryInput[]; deliveries: DeliveryRequest[] }> {
  const obligations = decision.obligations!;
  const minimised = deps.policy.minimise(opened.record, obligations);
  const entries: AuditEntryInput[] = [
    {
      ...decisionFields(opened, messageId, subjectKeys, decision),
      event: 'disclosure',
      decision: 'permit',
      fieldsDisclosed: [...minimised.disclosed],
      fieldsWithheld: [...minimised.withheld],
      recipients: [recipient],
      outcome: 'queued',
      reason: decision.explanation,
    },
  ];
  const retainUntil = new Date(now.getTime() + obligations.retainDays * 86_400_000).toISOString().slice(0, 10);
  const provenance = {
    messageId,
    sender: opened.signerAgencyId,
    originalJti: opened.jti,
    originalHash: opened.originalHash,
    ruleIds: decision.ruleIds,
    legalBases: decision.legalBases,
    policyVersion: decision.policyVersion,
    marking: obligations.marking,
    retainUntil,
  };
  // Only what survived minimisation leaves: the sender's own signature is never
  // forwarded over fields the recipient may not see (docs/envelope.md).
  const notices = obligations.notify
    .filter((notified) => notified !== recipient && notified !== opened.signerAgencyId)
    .map((notified) => prepareNotice(deps, opened, messageId, subjectKeys, recipient, notified, decision, provenance));
  // Awaited together, so a failed notice is this disclosure's failure, never an unhandled rejection.
  const [jwe, prepared] = await Promise.all([deps.reseal.sealForRecipient(recipient, { ...minimised.record, provenance }), Promise.all(notices)]);
  const delivery: DeliveryRequest = { messageId, sender: opened.signerAgencyId, recipient, messageType: opened.record.type, jwe };
  return {
    entries: [...entries, ...prepared.map((notice) => notice.entry)],
    deliveries: [delivery, ...prepared.map((notice) => notice.delivery)],
  };
}

/** A notice carries who received what and why, and the subject's identifiers only: no body. */
async function prepareNotice(
  deps: IntakeDeps,
  opened: OpenedMessage,
  messageId: string,
  subjectKeys: string[],
  recipient: string,
  notified: string,
  decision: PolicyDecision,
  provenance: Record<string, unknown>,
): Promise<{ entry: AuditEntryInput; delivery: DeliveryRequest }> {
  const identifiers = Object.keys(opened.record.subject.identifiers).filter((kind) => opened.record.subject.identifiers[kind] !== undefined);
  const entry: AuditEntryInput = {
    ...decisionFields(opened, messageId, subjectKeys, decision),
    event: 'disclosure',
    decision: 'permit',
    fieldsDisclosed: identifiers.map((kind) => `subject.identifiers.${kind}`),
    recipients: [notified],
    outcome: 'notice-queued',
    reason: `Notice required by rule ${decision.ruleIds.join(', ')}: ${recipient} received a ${opened.record.type}.`,
  };
  const jwe = await deps.reseal.sealForRecipient(notified, {
    type: 'disclosure-notice',
    purpose: opened.record.purpose,
    subject: { identifiers: opened.record.subject.identifiers },
    body: { disclosedTo: recipient, messageType: opened.record.type },
    provenance,
  });
  // One notice per disclosure it is about: two recipients whose rules notify the same agency give two notices.
  return { entry, delivery: { messageId: noticeIdFor(messageId, recipient), sender: opened.signerAgencyId, recipient: notified, messageType: 'disclosure-notice', jwe } };
}

function assertNamedRecipientsExist(policy: PolicyPort, record: MessageRecord): void {
  const unknown = (record.to ?? []).filter((id) => !policy.agencyExists(id));
  if (unknown.length > 0) throw new HubError('RECIPIENT_UNKNOWN', 'a named recipient is not a partner agency', { recipients: unknown });
}

function decisionFields(opened: OpenedMessage, messageId: string, subjectKeys: string[], decision: PolicyDecision) {
  return {
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    subjectCategory: opened.record.subject.category as 'suspect',
    isChild: decision.isChild,
    messageId,
    correlationId: opened.jti,
    messageType: opened.record.type,
    purpose: opened.record.purpose,
    legalBases: [...decision.legalBases],
    ruleIds: [...decision.ruleIds],
    policyVersion: decision.policyVersion,
  };
}

function collectionEntry(opened: OpenedMessage, messageId: string, subjectKeys: string[]) {
  return {
    event: 'collection' as const,
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    subjectCategory: opened.record.subject.category as 'suspect',
    messageId,
    correlationId: opened.jti,
    messageType: opened.record.type,
    purpose: opened.record.purpose,
    outcome: 'accepted',
    reason: `Received a ${opened.record.type} from ${opened.signerAgencyId}.`,
  };
}

/**
 * A retry of a message after a failure later in the request (a Redis error
 * while queueing its deliveries, a lost answer) decides again and would
 * append the same collection and disclosure entries a second time: the
 * once-key makes that append happen once. It covers what the entries say,
 * so a retry that decides otherwise (a policy reloaded in between) still
 * records its own decisions before anything it permits leaves.
 */
function onceKeyFor(messageId: string, entries: AuditEntryInput[]): string {
  return `${messageId}:${createHash('sha256').update(JSON.stringify(entries)).digest('base64url')}`;
}

/** The delivery id of the notice about the disclosure of `messageId` to `recipient`. */
export function noticeIdFor(messageId: string, recipient: string): string {
  return `${messageId}.notice.${recipient}`;
}

/** The message as a whole was refused after it was opened: a notice or reseal could not be prepared. */
function routingFailedEntry(opened: OpenedMessage, messageId: string, subjectKeys: string[], error: unknown): AuditEntryInput {
  const code = error instanceof HubError ? error.code : 'INTERNAL';
  return {
    event: 'refusal',
    agency: opened.signerAgencyId,
    actor: opened.record.actor,
    subjectKeys,
    messageId,
    correlationId: opened.jti,
    messageType: opened.record.type,
    purpose: opened.record.purpose,
    decision: 'not-applicable',
    outcome: code,
    reason: `The ${opened.record.type} could not be routed (${code}); nothing was sent to any recipient.`,
  };
}

function refusalEntry(opened: OpenedMessage, messageId: string, subjectKeys: string[], recipient: string, decision: PolicyDecision) {
  return {
    ...decisionFields(opened, messageId, subjectKeys, decision),
    event: 'refusal' as const,
    decision: 'deny' as const,
    recipients: [recipient],
    outcome: 'denied',
    reason: decision.explanation,
  };
}

function toAnswer(messageId: string, outcomes: RecipientOutcome[]): IntakeAnswer {
  return {
    id: messageId,
    recipients: outcomes.map((outcome) =>
      outcome.status === 'queued'
        ? { agency: outcome.recipient, status: 'queued' }
        : { agency: outcome.recipient, status: 'denied', rule: outcome.ruleIds[0] ?? null, reason: outcome.reason },
    ),
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
