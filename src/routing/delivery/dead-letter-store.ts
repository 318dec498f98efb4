import { keyspace } from '../../redis/index.js';
import { deliveryIdFor, type DeliveryJob } from './delivery-job.js';
import type { StoreDependencies } from './ports.js';

/**
 * Deliveries that ran out of attempts, kept whole (the sealed envelope
 * included) so an operator can replay them with `isp-hub deliveries replay`
 * once the recipient is back (nothing accepted is silently dropped).
 *
 *   delivery:dead      HASH  delivery id -> JSON record
 *   delivery:dead:ix   ZSET  score = failedAt (epoch ms), member = delivery id
 */

export interface DeadLetter {
  /** `${messageId}:${recipient}` */
  id: string;
  job: DeliveryJob;
  failedAt: number;
  attempts: number;
  /** A short machine outcome such as `http-503`, `timeout`, `connection-refused`. */
  lastOutcome: string;
}

export interface DeadLetterStore {
  /** Idempotent: the same delivery dead-lettered twice keeps one record (the latest). */
  add(record: Omit<DeadLetter, 'id'>): Promise<DeadLetter>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Oldest first. */
  list(options?: { limit?: number }): Promise<DeadLetter[]>;
  count(): Promise<number>;
  remove(id: string): Promise<boolean>;
}

export function createDeadLetterStore(options: StoreDependencies): DeadLetterStore {
  const { redis } = options;
  const key = keyspace(options.prefix);
  const recordsKey = key('delivery', 'dead');
  const indexKey = key('delivery', 'dead', 'ix');

  const parse = (text: string | null | undefined): DeadLetter | undefined => (text ? (JSON.parse(text) as DeadLetter) : undefined);

  return {
    async add(record) {
      const id = deliveryIdFor(record.job.messageId, record.job.recipientAgencyId);
      const stored: DeadLetter = { id, ...record };
      await redis.multi().hset(recordsKey, id, JSON.stringify(stored)).zadd(indexKey, record.failedAt, id).exec();
      return stored;
    },

    async get(id) {
      return parse(await redis.hget(recordsKey, id));
    },

    async list(listOptions = {}) {
      const limit = listOptions.limit ?? 1000;
      const ids = await redis.zrange(indexKey, 0, limit - 1);
      if (ids.length === 0) return [];
      const texts = await redis.hmget(recordsKey, ...ids);
      return texts.map(parse).filter((record): record is DeadLetter => record !== undefined);
    },

    count: () => redis.zcard(indexKey),

    async remove(id) {
      const results = await redis.multi().hdel(recordsKey, id).zrem(indexKey, id).exec();
      return Number(results?.[0]?.[1] ?? 0) === 1;
    },
  };
}
