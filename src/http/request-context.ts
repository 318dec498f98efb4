import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { HubMetrics } from './metrics.js';

/**
 * Per-request context: a request id (an inbound `x-request-id` is kept when
 * it is short and made of safe characters, so a caller can correlate; else a
 * fresh UUID), echoed in the response and carried on every log line through
 * a winston child logger. One access line per request, with the path but
 * never the query string (it could hold identifiers of people).
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestContext {
  requestId: string;
  logger: Logger;
}
const contexts = new WeakMap<Request, RequestContext>();

export function requestContext(deps: { logger: Logger; metrics: HubMetrics }): RequestHandler {
  return (req, res, next) => {
    const inbound = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    const logger = deps.logger.child({ requestId });
    contexts.set(req, { requestId, logger });
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      deps.metrics.observeHttpRequest({ method: req.method, route, status: res.statusCode }, seconds);
      logger.info('http request', {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(res.locals.agencyId ? { agency: res.locals.agencyId } : {}),
      });
    });
    next();
  };
}

/** The request's id; a TypeError if the request context middleware did not run. */
export function requestIdOf(req: Request): string {
  return contextOf(req).requestId;
}

/** The request's child logger: every line it writes carries the request id. */
export function loggerOf(req: Request): Logger {
  return contextOf(req).logger;
}

function contextOf(req: Request): RequestContext {
  const context = contexts.get(req);
  if (!context) throw new TypeError('request context missing: was the request built by createApp()?');
  return context;
}
