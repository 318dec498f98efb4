import { createHash } from 'node:crypto';
import { keyspace } from '../../redis/index.js';
import { luaScript } from './lua-script.js';
import type { StoreDependencies } from './ports.js';

/**
 * Redis storage of pull inboxes. No audit and no tracking here (see inbox.ts):
 * only keys, atomic scripts and ownership checks.
 *
 *   inbox:agency:<agency> ZSET  score = arrival sequence, member = item id (the list order)
 *   inbox:item:<id>       HASH  the item, with its owner, expiry and collection time
 *   inbox:expiry          ZSET  score = expiry (epoch ms), member = item id (the sweeper's work list)
 *   inbox:seq:<agency>    STRING that recipient's arrival counter: one per recipient, so a
 *                                position in one inbox says nothing about deliveries to another
 *   inbox:usage:<agency>  HASH  `items` and `bytes` (of sealed envelopes) held, for the quota
 *
 * An item expires at `expiresAt` whether or not the sweeper has run yet: list
 * and ack treat an item past that time as gone.
 */

export interface InboxItem {
  id: string;
  agencyId: string;
  seq: number;
  messageId: string;
  sender: string;
  messageType: string;
  jwe: string;
  /** Epoch ms. */
  receivedAt: number;
  expiresAt: number;
  collectedAt: number | undefined;
}

export interface NewInboxItem {
  agencyId: string;
  messageId: string;
  sender: string;
  messageType: string;
  jwe: string;
  receivedAt: number;
  expiresAt: number;
}

export interface InboxPage {
  items: InboxItem[];
  /** Sequence of the last item scanned; undefined when the end was reached. */
  lastSeq: number | undefined;
}

export interface InboxStore {
  /** Idempotent per (message, recipient): a re-run delivery job does not add a second item. */
  put(item: NewInboxItem): Promise<{ id: string; created: boolean }>;
  /** Items of one agency with seq > afterSeq, oldest first, not yet expired at `now`. */
  page(agencyId: string, afterSeq: number, limit: number, now: number): Promise<InboxPage>;
  /** The item if it belongs to the agency and has not expired; otherwise undefined. */
  get(agencyId: string, itemId: string, now: number): Promise<InboxItem | undefined>;
  /** Sets collectedAt where still unset; returns the ids it set. */
  markCollected(agencyId: string, itemIds: readonly string[], at: number): Promise<string[]>;
  /** Deletes the item if the agency owns it; true when something was deleted. */
  remove(agencyId: string, itemId: string): Promise<boolean>;
  /**
   * Claims up to `limit` items whose expiry has passed, by pushing their place
   * in the work list `leaseMs` ahead, so two sweepers never take the same item
   * and a sweeper that dies mid-way leaves it to be taken again.
   */
  claimExpired(now: number, limit: number, leaseMs: number): Promise<string[]>;
  /** Reads an item regardless of owner (sweeper use). */
  read(itemId: string): Promise<InboxItem | undefined>;
  /** Removes an id from the sweeper's work list (its item is already gone). */
  forgetExpiry(itemId: string): Promise<void>;
  /** What one agency's inbox holds now: items and bytes of sealed envelopes (the inbox quota's measure). */
  usage(agencyId: string): Promise<InboxUsage>;
}

export interface InboxUsage {
  items: number;
  bytes: number;
}

/** Deterministic, so the same delivery always names the same item. */
export function inboxItemIdFor(messageId: string, agencyId: string): string {
  return `ibx_${createHash('sha256').update(`${messageId}\u0000${agencyId}`).digest('base64url').slice(0, 32)}`;
}

// KEYS: item hash, agency zset, expiry zset, the agency's seq counter, agency usage hash.
// ARGV: id, agency, messageId, sender, messageType, jwe, receivedAt, expiresAt.
// A counter not yet there starts from the inbox's highest position, so items
// stored before counters were per recipient keep their order.
const PUT = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then
  local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if top[2] then redis.call('SET', KEYS[4], top[2]) end
end
redis.call('HINCRBY', KEYS[5], 'items', 1)
redis.call('HINCRBY', KEYS[5], 'bytes', string.len(ARGV[6]))
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'agency', ARGV[2], 'seq', seq, 'messageId', ARGV[3], 'sender', ARGV[4],
  'messageType', ARGV[5], 'jwe', ARGV[6], 'receivedAt', ARGV[7], 'expiresAt', ARGV[8])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1])
return 1
`);

// KEYS: item hashes... ARGV[1] agency, ARGV[2] time. Returns the ids newly marked.
const MARK_COLLECTED = luaScript(`
local marked = {}
for i = 1, #KEYS do
  if redis.call('HGET', KEYS[i], 'agency') == ARGV[1] and redis.call('HSETNX', KEYS[i], 'collectedAt', ARGV[2]) == 1 then
    table.insert(marked, i)
  end
end
return marked
`);

// KEYS: item hash, agency zset, expiry zset, agency usage hash. ARGV: id, agency.
const REMOVE = luaScript(`
if redis.call('HGET', KEYS[1], 'agency') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[4], 'items', -1)
redis.call('HINCRBY', KEYS[4], 'bytes', -redis.call('HSTRLEN', KEYS[1], 'jwe'))
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`);

// KEYS: expiry zset. ARGV: now, limit, lease ms.
const CLAIM_EXPIRED = luaScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local leaseUntil = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', leaseUntil, id) end
return due
`);

export function createInboxStore(options: StoreDependencies): InboxStore {
  const { redis } = options;
  const key = keyspace(options.prefix);
  const itemKey = (id: string) => key('inbox', 'item', id);
  const agencyKey = (agencyId: string) => key('inbox', 'agency', agencyId);
  const expiryKey = key('inbox', 'expiry');
  const seqKey = (agencyId: string) => key('inbox', 'seq', agencyId);
  const usageKey = (agencyId: string) => key('inbox', 'usage', agencyId);

  function toItem(id: string, fields: Record<string, string>): InboxItem | undefined {
    if (!fields.agency) return undefined;
    return {
      id,
      agencyId: fields.agency,
      seq: Number(fields.seq),
      messageId: fields.messageId ?? '',
      sender: fields.sender ?? '',
      messageType: fields.messageType ?? '',
      jwe: fields.jwe ?? '',
      receivedAt: Number(fields.receivedAt),
      expiresAt: Number(fields.expiresAt),
      collectedAt: fields.collectedAt === undefined ? undefined : Number(fields.collectedAt),
    };
  }

  async function read(itemId: string): Promise<InboxItem | undefined> {
    return toItem(itemId, await redis.hgetall(itemKey(itemId)));
  }

  return {
    async put(item) {
      const id = inboxItemIdFor(item.messageId, item.agencyId);
      const created = await PUT.run(
        redis,
        [itemKey(id), agencyKey(item.agencyId), expiryKey, seqKey(item.agencyId), usageKey(item.agencyId)],
        [id, item.agencyId, item.messageId, item.sender, item.messageType, item.jwe, item.receivedAt, item.expiresAt],
      );
      return { id, created: created === 1 };
    },

    async page(agencyId, afterSeq, limit, now) {
      const flat = await redis.zrangebyscore(agencyKey(agencyId), `(${afterSeq}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit);
      const ids: string[] = [];
      let lastSeq: number | undefined;
      for (let i = 0; i < flat.length; i += 2) {
        ids.push(flat[i] as string);
        lastSeq = Number(flat[i + 1]);
      }
      if (ids.length === 0) return { items: [], lastSeq: undefined };
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(itemKey(id));
      const results = (await pipeline.exec()) ?? [];
      const items: InboxItem[] = [];
      results.forEach(([error, fields], index) => {
        if (error) throw error;
        const item = toItem(ids[index] as string, fields as Record<string, string>);
        if (item && item.agencyId === agencyId && item.expiresAt > now) items.push(item);
      });
      return { items, lastSeq: ids.length < limit ? undefined : lastSeq };
    },

    async get(agencyId, itemId, now) {
      const item = await read(itemId);
      return item && item.agencyId === agencyId && item.expiresAt > now ? item : undefined;
    },

    async markCollected(agencyId, itemIds, at) {
      if (itemIds.length === 0) return [];
      const marked = (await MARK_COLLECTED.run(redis, itemIds.map(itemKey), [agencyId, at])) as number[];
      return marked.map((position) => itemIds[position - 1] as string);
    },

    async remove(agencyId, itemId) {
      return (await REMOVE.run(redis, [itemKey(itemId), agencyKey(agencyId), expiryKey, usageKey(agencyId)], [itemId, agencyId])) === 1;
    },

    async claimExpired(now, limit, leaseMs) {
      return (await CLAIM_EXPIRED.run(redis, [expiryKey], [now, limit, leaseMs])) as string[];
    },

    read,

    async forgetExpiry(itemId) {
      await redis.zrem(expiryKey, itemId);
    },

    async usage(agencyId) {
      const [items, bytes] = await redis.hmget(usageKey(agencyId), 'items', 'bytes');
      return { items: Math.max(0, Number(items ?? 0)), bytes: Math.max(0, Number(bytes ?? 0)) };
    },
  };
}
