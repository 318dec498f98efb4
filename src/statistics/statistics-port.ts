import type { Logger } from '../logger.js';
import type { FactPlan, FeedInput, StatisticsFeed } from './ledger-feed.js';
import type { LedgerStore } from './ledger-store.js';

/**
 * What intake and the query use case need from the statistics ledger:
 * prepare a fact (decided, minimised, with its audit entry) and, once that
 * entry is durable with the message's others, write it.
 */
export interface StatisticsPort {
  prepare(input: FeedInput): Promise<FactPlan | undefined>;
  write(plan: FactPlan): Promise<void>;
}

export function createStatisticsPort(feed: StatisticsFeed, store: LedgerStore, maxFacts: number, logger?: Logger): StatisticsPort {
  return {
    async prepare(input) {
      // One XLEN per message; the script checks again atomically when it writes.
      const full = (await store.size()) >= maxFacts;
      return feed.plan(input, full);
    },
    async write(plan) {
      if (!plan.fact) return;
      const seq = await store.append(plan.messageId, plan.fact);
      // Only a race at the quota gets here: the entry says written, the fact is not.
      if (seq === undefined) logger?.warn('statistics ledger full: a fact was not written', { messageId: plan.messageId });
    },
  };
}
