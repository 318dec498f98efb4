import { ReplyError } from 'ioredis';
import { HubError } from '../errors.js';

/**
 * Redis failures as the hub meets them: an error reply (READONLY from a
 * replica, NOREPLICAS under min-replicas-to-write, OOM, MOVED from a Cluster
 * node that does not hold the slot) or a connection that failed. They are
 * the store being unavailable, never the caller's fault, so a request
 * answers 503 and may be retried; the CLI prints one line.
 */
const CONNECTION_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError', 'InterruptError', 'ParserError']);
const CONNECTION_MESSAGES = /^(Connection is closed|Stream isn't writeable|Reached the max retries|connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH)|read ECONNRESET|write EPIPE|Failed to refresh slots cache|None of startup nodes is available|All sentinels are unreachable)/;

export function isRedisFailure(error: unknown): error is Error {
  if (error instanceof ReplyError) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'ReplyError' || CONNECTION_ERRORS.has(error.name) || CONNECTION_MESSAGES.test(error.message);
}

/**
 * The Redis reply or connection failure in one line. Only the message: an
 * ioredis error also carries the command it failed on, which for a script
 * is the whole Lua text, and for a write the values written.
 */
export function redisFailureLine(error: Error): string {
  return (error.message.split('\n')[0] ?? '').slice(0, 200);
}

/** A Redis failure as the hub answers it: 503 UNAVAILABLE with the reply's code word (READONLY, NOREPLICAS, ...), no values. */
export function unavailableFromRedis(error: Error, doing = 'the hub could not reach its store'): HubError {
  const word = /^([A-Z][A-Z_]+)\b/.exec(error.message)?.[1];
  return new HubError('UNAVAILABLE', `${doing}; try again`, word ? { redis: word } : undefined);
}
