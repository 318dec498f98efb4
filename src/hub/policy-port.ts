import { decide, minimise, recipientsFor, type PolicyMessage, type PolicyStore } from '../policy/index.js';
import type { MessageRecord, PolicyPort } from '../routing/ports.js';

/**
 * The routing use cases' view of the policy engine, always reading the
 * store's current set, so a reload takes effect on the next message while a
 * failed reload leaves the last good set in force.
 */
export function createPolicyPort(store: PolicyStore): PolicyPort {
  const party = (agencyId: string) => store.current().registry.require(agencyId);
  const decideNow: PolicyPort['decide'] = (record, senderId, recipientId, at, view) => {
    const decision = decide(store.current(), record as unknown as PolicyMessage, party(senderId), party(recipientId), { now: at, ...(view?.child ? { knownChild: true } : {}) });
    return { ...decision, obligations: decision.obligations ?? undefined };
  };
  return {
    decide: decideNow,
    forbidding(record, senderId, recipientId, at, view) {
      const decision = decideNow(record, senderId, recipientId, at, view);
      // A deny naming rules is a forbid's; the default deny names none.
      return decision.effect === 'deny' && decision.ruleIds.length > 0 ? decision : undefined;
    },
    minimise(record, obligations) {
      const { type, purpose, actor, subject, body } = record;
      // `withhold` (from forbid rules) is passed too, so a withheld field stays out even under a broad allow entry.
      const { disclose, withhold } = obligations as unknown as Parameters<typeof minimise>[1];
      const result = minimise({ type, purpose, actor, subject, body } as Record<string, unknown>, { disclose, ...(withhold ? { withhold } : {}) });
      return { record: result.record, disclosed: result.disclosed, withheld: result.withheld };
    },
    recipientsFor(record: MessageRecord, senderId, at) {
      return recipientsFor(store.current(), record as unknown as PolicyMessage, party(senderId), { now: at }).map((entry) => entry.agency.id);
    },
    agencyExists: (agencyId) => store.current().registry.get(agencyId) !== undefined,
    purposeExists: (purpose) => Object.hasOwn(store.current().catalog.purposes, purpose),
    purposes: () => Object.keys(store.current().catalog.purposes).sort(),
  };
}
