import { isHubError } from '../errors.js';
import type { FlagRegister } from '../flags/index.js';
import type { HubMetrics } from '../http/index.js';
import type { MessageUseCases } from '../http/routes/messages.js';
import type { PolicyStore } from '../policy/index.js';
import type { Delivery } from '../routing/delivery/index.js';
import type { IdempotencyStore } from '../routing/idempotency-store.js';
import { acceptMessage, type IntakeAnswer, type IntakeDeps } from '../routing/intake.js';
import type { AuditPort, MessageRecord, OpenedMessage, PolicyPort, RefusalPort, ResealPort } from '../routing/ports.js';
import type { StatisticsPort } from '../statistics/index.js';
import { answerQuery, type QueryRecord } from '../routing/query.js';

export interface UseCaseParts {
  openMessage(compact: string): Promise<OpenedMessage>;
  policyPort: PolicyPort;
  policy: PolicyStore;
  audit: AuditPort;
  /** Refused envelopes, folded per agency and window. */
  refusals: RefusalPort;
  subjectKeysOf(record: MessageRecord): string[];
  intakeIdempotency: IdempotencyStore<IntakeAnswer>;
  queryIdempotency: IdempotencyStore<QueryRecord>;
  reseal: ResealPort;
  delivery: Delivery;
  flags: FlagRegister;
  metrics: HubMetrics;
  /**
   * Waits for the configured Redis replicas: an answer is given only once
   * what it reports (audit entries, idempotency record, delivery jobs) would
   * survive a failover. A replayed answer waits too, so a retry after a 503
   * is not answered before the first attempt's writes are replicated.
   */
  afterWrites: () => Promise<void>;
  statistics?: StatisticsPort;
}

type FlagChanges = Parameters<FlagRegister['apply']>[1];

/**
 * The routing use cases bound to the hub's parts, with the metrics an operator
 * watches (messages by type and outcome, decisions by rule) counted at the
 * boundary, so the use cases themselves stay free of instrumentation.
 */
export function bindUseCases(parts: UseCaseParts): MessageUseCases {
  const countedPolicy: PolicyPort = {
    ...parts.policyPort,
    decide(record, senderId, recipientId, at, view) {
      const decision = parts.policyPort.decide(record, senderId, recipientId, at, view);
      parts.metrics.policyDecision({ rule: decision.ruleIds[0] ?? 'default-deny', decision: decision.effect });
      return decision;
    },
  };
  const onFlagUpdate: IntakeDeps['onFlagUpdate'] = async (opened, messageId, subjectKeys, basis) => {
    const { flags } = opened.record.body as { flags: FlagChanges };
    // The permitting rules are the change's lawful basis in its alteration entries (DPA 2018 s.62(1)(b)).
    await parts.flags.apply(subjectKeys, flags, {
      holder: opened.signerAgencyId,
      actor: opened.record.actor,
      messageId,
      purpose: opened.record.purpose,
      subjectCategory: opened.record.subject.category,
      ...basis,
    });
  };

  /** Runs a use case, counting the message by its type (once opened) and outcome. */
  async function counted<T>(run: (open: (compact: string) => Promise<OpenedMessage>) => Promise<T>): Promise<T> {
    let type = 'unopened';
    const open = async (compact: string) => {
      const opened = await parts.openMessage(compact);
      type = opened.record.type;
      return opened;
    };
    try {
      const result = await run(open);
      parts.metrics.messageReceived({ type, outcome: 'accepted' });
      return result;
    } catch (error) {
      parts.metrics.messageReceived({ type, outcome: isHubError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
  }

  /** The answer, once its writes are durable as configured. */
  async function durable<T>(answer: Promise<T>): Promise<T> {
    const value = await answer;
    await parts.afterWrites();
    return value;
  }

  return {
    accept: (caller, compact) =>
      counted((openMessage) =>
        durable(acceptMessage(
          {
            openMessage,
            policy: countedPolicy,
            audit: parts.audit,
            refusals: parts.refusals,
            subjectKeysOf: parts.subjectKeysOf,
            idempotency: parts.intakeIdempotency,
            reseal: parts.reseal,
            deliveries: parts.delivery.service,
            clock: () => new Date(),
            flagReviewHorizon: () => parts.policy.current().catalog.flagReview,
            onFlagUpdate,
            ...(parts.statistics ? { statistics: parts.statistics } : {}),
          },
          caller,
          compact,
        )),
      ),
    query: (caller, compact) =>
      counted((openMessage) =>
        durable(answerQuery(
          {
            openMessage,
            policy: countedPolicy,
            audit: parts.audit,
            refusals: parts.refusals,
            subjectKeysOf: parts.subjectKeysOf,
            idempotency: parts.queryIdempotency,
            reseal: parts.reseal,
            lookupFlags: (subjectKeys, codes) => parts.flags.lookup(subjectKeys, codes),
            candidateHolders: () => parts.policy.current().registry.agencies.map((agency) => agency.id),
            holderContact: (agencyId) => {
              const agency = parts.policy.current().registry.require(agencyId);
              return { agency: agency.id, name: agency.name, contact: { ...agency.designatedOfficer } };
            },
            ...(parts.statistics ? { statistics: parts.statistics } : {}),
          },
          caller,
          compact,
        )),
      ),
    track: (agencyId, messageId) => parts.delivery.tracking.getForAgency(messageId, agencyId),
  };
}
