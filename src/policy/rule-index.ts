import type { Party } from '../registry/index.js';
import type { CompiledRule, PartySet } from './policy-set.js';

/**
 * Rules bucketed by message type, then sender key, then recipient key (and
 * filtered by purpose when a list is first built), so a
 * decision looks at the handful of rules that could apply and never scans the
 * set. Keys: `r:<role>`, `a:<agency id>`, or `*` for a rule that names nobody.
 * The merged candidate list per (type, purpose, sender, recipient) is cached: the
 * agencies of an ISP are few, so the cache stays small.
 */
export interface RuleIndex {
  /** Rules for this type, purpose and pair of parties, in set order. */
  candidates(type: string, purpose: string, sender: Party, recipient: Party): readonly CompiledRule[];
  readonly size: number;
}

const ANY = '*';
const CACHE_LIMIT = 50_000;

function keysOf(parties: PartySet | null): string[] {
  if (parties === null) return [ANY];
  return [...[...parties.roles].map((r) => `r:${r}`), ...[...parties.agencies].map((a) => `a:${a}`)];
}

export function buildRuleIndex(rules: readonly CompiledRule[]): RuleIndex {
  const byType = new Map<string, Map<string, Map<string, CompiledRule[]>>>();
  for (const rule of rules) {
    for (const type of rule.messageTypes ?? [ANY]) {
      let bySender = byType.get(type);
      if (!bySender) byType.set(type, (bySender = new Map()));
      for (const senderKey of keysOf(rule.from)) {
        let byRecipient = bySender.get(senderKey);
        if (!byRecipient) bySender.set(senderKey, (byRecipient = new Map()));
        for (const recipientKey of keysOf(rule.to)) {
          const list = byRecipient.get(recipientKey);
          if (list) list.push(rule);
          else byRecipient.set(recipientKey, [rule]);
        }
      }
    }
  }
  const cache = new Map<string, readonly CompiledRule[]>();

  function collect(type: string, purpose: string, sender: Party, recipient: Party): readonly CompiledRule[] {
    const found = new Set<CompiledRule>();
    const senderKeys = [`r:${sender.role}`, `a:${sender.id}`, ANY];
    const recipientKeys = [`r:${recipient.role}`, `a:${recipient.id}`, ANY];
    for (const t of [type, ANY]) {
      const bySender = byType.get(t);
      if (!bySender) continue;
      for (const s of senderKeys) {
        const byRecipient = bySender.get(s);
        if (!byRecipient) continue;
        for (const r of recipientKeys) {
          const list = byRecipient.get(r);
          if (list) for (const rule of list) if (rule.purposes === null || rule.purposes.has(purpose)) found.add(rule);
        }
      }
    }
    return Object.freeze([...found].sort((a, b) => a.order - b.order));
  }

  return {
    size: rules.length,
    candidates(type, purpose, sender, recipient) {
      const key = `${type}\u0000${purpose}\u0000${sender.id}\u0000${sender.role}\u0000${recipient.id}\u0000${recipient.role}`;
      let list = cache.get(key);
      if (list === undefined) {
        list = collect(type, purpose, sender, recipient);
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(key, list);
      }
      return list;
    },
  };
}
