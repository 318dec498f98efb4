import type { Redis } from 'ioredis';
import { HubError } from '../errors.js';
import { keyspace } from '../redis/index.js';

/**
 * Replay protection and idempotent retries for `jti` (RFC 7519 s.4.1.7).
 *
 * The first request with a given (agency, jti) claims it with the hash of its
 * exact bytes. A retry with the same bytes gets the first answer once it is
 * stored, or is processed again if the first attempt died before answering
 * (every step after this is idempotent: deterministic message id, delivery
 * job ids per recipient). The same jti with other bytes is a replay attempt
 * or a client bug: 409, never processed.
 *
 * Records outlive the longest a message may be valid (exp - iat plus skew),
 * so an old message cannot be replayed after its record has gone: by then its
 * `exp` has passed and the envelope layer refuses it.
 */
export type IdempotencyClaim<Answer> = { kind: 'new' } | { kind: 'retry-unanswered' } | { kind: 'replay'; answer: Answer };

export interface IdempotencyStore<Answer> {
  claim(agencyId: string, jti: string, bodyHash: string): Promise<IdempotencyClaim<Answer>>;
  complete(agencyId: string, jti: string, answer: Answer): Promise<void>;
}

export function createIdempotencyStore<Answer>(deps: { redis: Redis; prefix: string; ttlSeconds: number }): IdempotencyStore<Answer> {
  const key = keyspace(deps.prefix);
  const recordKey = (agencyId: string, jti: string) => key('jti', agencyId, Buffer.from(jti).toString('base64url'));
  return {
    async claim(agencyId, jti, bodyHash) {
      const name = recordKey(agencyId, jti);
      const [[, created], [, stored]] = (await deps.redis
        .multi()
        .hsetnx(name, 'hash', bodyHash)
        .hmget(name, 'hash', 'answer')
        .expire(name, deps.ttlSeconds, 'NX')
        .exec()) as [[null, number], [null, [string | null, string | null]], unknown];
      if (created === 1) return { kind: 'new' };
      const [firstHash, answer] = stored;
      if (firstHash !== bodyHash) {
        throw new HubError('IDEMPOTENCY_CONFLICT', 'this jti was already used for a different message');
      }
      return answer === null ? { kind: 'retry-unanswered' } : { kind: 'replay', answer: JSON.parse(answer) as Answer };
    },
    async complete(agencyId, jti, answer) {
      await deps.redis.hset(recordKey(agencyId, jti), 'answer', JSON.stringify(answer));
    },
  };
}
