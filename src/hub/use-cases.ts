import { isHubError } from '../errors.js';
import type { FlagRegister } from '../flags/index.js';
import type { HubMetrics } from '../http/index.js';
import type { MessageUseCases } from '../http/routes/messages.js';
import type { PolicyStore } from '../policy/index.js';
import type { Delivery } from '../routing/delivery/index.js';
import type { IdempotencyStore } from '../routing/idempotency-store.js';
import { acceptMessage, type IntakeAnswer, type IntakeDeps } from '../routing/intake.js';
import type { AuditPort, MessageRecord, OpenedMessage, PolicyPort, ResealPort } from '../routing/ports.js';
import type { StatisticsPort } from '../statistics/index.js';
import { answerQuery, type QueryAnswer } from '../routing/query.js';

export interface UseCaseParts {
  openMessage(compact: string): Promise<OpenedMessage>;
  policyPort: PolicyPort;
  policy: PolicyStore;
  audit: AuditPort;
  subjectKeysOf(record: MessageRecord): string[];
  intakeIdempotency: IdempotencyStore<IntakeAnswer>;
  queryIdempotency: IdempotencyStore<QueryAnswer>;
  reseal: ResealPort;
  delivery: Delivery;
  flags: FlagRegister;
  metrics: HubMetrics;
  statistics?: StatisticsPort;
}

type FlagChanges = Parameters<FlagRegister['apply']>[1];

/**
 * The routing use cases bound to the hub's parts, with the metrics DESIGN.md
 * asks for (messages by type and outcome, decisions by rule) counted at the
 * boundary, so the use cases themselves stay free of instrumentation.
 */
export function bindUseCases(parts: UseCaseParts): MessageUseCases {
  const countedPolicy: PolicyPort = {
    ...parts.policyPort,
    decide(record, senderId, recipientId, at) {
      const decision = parts.policyPort.decide(record, senderId, recipientId, at);
      parts.metrics.policyDecision({ rule: decision.ruleIds[0] ?? 'default-deny', decision: decision.effect });
      return decision;
    },
  };
  const onFlagUpdate: IntakeDeps['onFlagUpdate'] = async (opened, messageId, subjectKeys, basis) => {
    const { flags } = opened.record.body as { flags: FlagChanges };
    // The permitting rules are the change's lawful basis in its alteration entries (DPA 2018 s.62(1)(b)).
    await parts.flags.apply(subjectKeys, flags, { holder: opened.signerAgencyId, actor: opened.record.actor, messageId, purpose: opened.record.purpose, ...basis });
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

  return {
    accept: (caller, compact) =>
      counted((openMessage) =>
        acceptMessage(
          {
            openMessage,
            policy: countedPolicy,
            audit: parts.audit,
            subjectKeysOf: parts.subjectKeysOf,
            idempotency: parts.intakeIdempotency,
            reseal: parts.reseal,
            deliveries: parts.delivery.service,
            clock: () => new Date(),
            onFlagUpdate,
            ...(parts.statistics ? { statistics: parts.statistics } : {}),
          },
          caller,
          compact,
        ),
      ),
    query: (caller, compact) =>
      counted((openMessage) =>
        answerQuery(
          {
            openMessage,
            policy: countedPolicy,
            audit: parts.audit,
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
        ),
      ),
    track: (agencyId, messageId) => parts.delivery.tracking.getForAgency(messageId, agencyId),
  };
}
