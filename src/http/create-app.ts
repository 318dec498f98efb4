import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { createAuthenticationFailures } from './authentication-failures.js';
import { createBodyReaders } from './body.js';
import { createClientCertificateReader } from './client-certificate.js';
import { createErrorMapper, notFoundHandler } from './error-mapper.js';
import { healthHandler } from './health.js';
import { identityMiddleware } from './identity.js';
import { jwksHandler } from './jwks.js';
import { createOperationRegistry } from './openapi.js';
import { rateLimitMiddleware } from './rate-limit.js';
import { requestContext } from './request-context.js';
import type { AppDeps, RouteDeps } from './types.js';

/**
 * The one place the hub's express app is built. Order matters:
 * request id and logging first (so every later line carries the id), then
 * security headers, then the public service endpoints (/metrics is not one:
 * it has its own listener, metrics-server.ts) and public route
 * modules, then everything else behind identity and the per-agency rate
 * limit, then 404, then the error mapper.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Proxy mode reads only the certificate header, never X-Forwarded-*: the
  // TCP peer is what the rate limiter and logs see.
  app.set('trust proxy', false);

  const operations = deps.operations ?? createOperationRegistry();
  const certificates = createClientCertificateReader({ trustedProxies: deps.config.TRUSTED_PROXIES, headerName: deps.config.CLIENT_CERT_HEADER });
  const body = createBodyReaders({ maxBytes: deps.config.ENVELOPE_MAX_BYTES, maxJsonDepth: deps.config.MAX_JSON_DEPTH });
  const routeDeps: RouteDeps = {
    config: deps.config,
    logger: deps.logger,
    metrics: deps.metrics,
    audit: deps.audit,
    body,
    registerOperation: (spec) => operations.registerOperation(spec),
    registerSchema: (name, schema) => operations.registerSchema(name, schema),
    authenticationFailures: createAuthenticationFailures({
      limiter: deps.authenticationFailureLimiter,
      audit: deps.audit,
      addressOf: (req) => certificates.clientAddressOf(req),
      metrics: deps.metrics,
    }),
  };

  app.use(requestContext({ logger: deps.logger, metrics: deps.metrics }));
  app.use(helmet());

  app.get('/health', healthHandler(deps.health ?? []));
  // /metrics is not served here: it shows sharing volumes per rule, so it has a listener of its own (metrics-server.ts).
  app.get('/.well-known/jwks.json', jwksHandler(deps.hubKeys));
  app.get('/openapi.json', (_req, res) => {
    res.json(operations.document(deps.apiInfo ?? { title: 'isp-hub', version: '0.1.0' }));
  });
  registerServiceOperations(routeDeps.registerOperation);

  for (const module of deps.routes?.public ?? []) {
    const router = Router();
    module(router, routeDeps);
    app.use(router);
  }

  const agencyRouter = Router();
  agencyRouter.use(
    identityMiddleware({
      identify: deps.identify,
      certificates,
      failures: routeDeps.authenticationFailures,
    }),
  );
  agencyRouter.use(rateLimitMiddleware(deps.rateLimiter, (res) => `agency:${String(res.locals.agencyId)}`));
  for (const module of deps.routes?.agency ?? []) module(agencyRouter, routeDeps);
  app.use(agencyRouter);

  app.use(notFoundHandler);
  app.use(createErrorMapper(deps.logger));
  return app;
}

function registerServiceOperations(register: RouteDeps['registerOperation']): void {
  const checkResult = z.object({ status: z.enum(['ok', 'warn', 'fail']), detail: z.record(z.string(), z.unknown()).optional() });
  const health = z.object({ status: z.enum(['ok', 'warn', 'fail']), checks: z.record(z.string(), checkResult) });
  register({
    method: 'get',
    path: '/health',
    summary: 'Health of the hub and its dependencies',
    tags: ['service'],
    security: 'none',
    responses: { 200: { description: 'No check failed', schema: health }, 503: { description: 'A check failed', schema: health } },
  });
  const jwk = z
    .object({ kty: z.string(), kid: z.string(), use: z.enum(['sig', 'enc']), alg: z.string(), x5c: z.array(z.string()), 'x5t#S256': z.string() })
    .catchall(z.string());
  register({
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "The hub's public keys and certificates (RFC 7517); more than one during a rotation",
    tags: ['service'],
    security: 'none',
    responses: { 200: { description: 'JWK set', contentType: 'application/jwk-set+json', schema: z.object({ keys: z.array(jwk) }) } },
  });
  register({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['service'],
    security: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
  });
}
