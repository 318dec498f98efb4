import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HubError, type HubErrorCode } from '../errors.js';
import { isRedisFailure, unavailableFromRedis } from '../redis/index.js';
import type { Logger } from '../logger.js';
import { loggerOf } from './request-context.js';

/** Unknown routes: 404 in the same JSON shape as every other error. */
export const notFoundHandler: RequestHandler = () => {
  throw new HubError('NOT_FOUND', 'no such resource');
};

/**
 * The one place errors become responses. A HubError answers with its status
 * and `{ error: { code, message, details? } }`. Errors that express itself
 * raises with a 4xx status (e.g. a malformed URL) become the nearest code.
 * A Redis failure is 503 UNAVAILABLE (`details.redis` the reply's code word).
 * Anything else is a bug: 500 INTERNAL with no stack and no message detail,
 * logged with the request id (the logger keeps only the error's name).
 */
export function createErrorMapper(fallbackLogger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a clean answer: cut the connection so the client sees a failure.
      req.socket.destroy();
      return;
    }
    // A Redis failure anywhere in a request (a replica that refuses writes, a lost connection during failover)
    // is the store being unavailable: 503, and the sender's retry is safe (jti idempotency).
    const hubError = error instanceof HubError ? error : isRedisFailure(error) ? unavailableFromRedis(error) : fromFrameworkError(error);
    // Never let the error path itself throw: express's fallback would print a stack.
    let logger = fallbackLogger;
    try {
      logger = loggerOf(req);
    } catch {
      // the request context did not run (an error before it); the app logger will do
    }
    if (hubError) {
      logger.info('request refused', { code: hubError.code, status: hubError.status });
    } else {
      logger.error('unhandled error', { error: error instanceof Error ? error : new Error('non-error thrown') });
    }
    const answer = hubError ?? new HubError('INTERNAL', 'internal error');
    // A body we did not read to its end cannot be skipped safely on a kept-alive
    // connection (RFC 9112 s.9.6): close it after this response.
    if (!req.complete) res.setHeader('Connection', 'close');
    // Every 429 says when to come back (RFC 6585 s.4), also when the part that refused had no response to set it on;
    // so does a 503 that knows how long the hub needs (RFC 9110 s.15.6.4), e.g. a full audit queue.
    const retryAfter = answer.details?.['retryAfterSeconds'];
    if ((answer.status === 429 || answer.status === 503) && typeof retryAfter === 'number' && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(retryAfter));
    res.status(answer.status).json(answer.toJSON());
    void next;
  };
}

function fromFrameworkError(error: unknown): HubError | undefined {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const byStatus: Record<number, HubErrorCode> = {
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    408: 'REQUEST_TIMEOUT',
    413: 'BODY_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
  };
  const code = byStatus[status] ?? 'BAD_REQUEST';
  return new HubError(code, code === 'BAD_REQUEST' ? 'bad request' : 'request refused');
}
