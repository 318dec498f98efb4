/**
 * The HTTP layer: mTLS identity, limits, service endpoints, error mapping.
 * Route modules from routing/, audit/ and console/ plug into createApp().
 */
export { createApp } from './create-app.js';
export { createHubServer, type HubServer, type HubServerOptions, type ServerConfig } from './server.js';
export { agencyOf } from './identity.js';
export { createAgencyIdentifier, type AgencyDirectory, type TlsClientVerifier } from './identify-agency.js';
export { loggerOf, requestIdOf, REQUEST_ID_HEADER } from './request-context.js';
export { createBodyReaders, readRawBody, type BodyReaders, type BodyLimits } from './body.js';
export { assertJsonDepth } from './json-depth.js';
export { createRedisRateLimiter, type RateLimiter, type RateDecision } from './rate-limit.js';
export { createMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { createHubMetrics, type HubMetrics, type HubMetricsOptions, type QueueDepthSource } from './metrics.js';
export {
  auditCheckpointCheck,
  auditConsistencyCheck,
  certificateExpiryCheck,
  redisPingCheck,
  redisMemoryCheck,
  workersCheck,
  type HealthCheck,
  type HealthResult,
  type HealthStatus,
} from './health.js';
export { toPublicJwk, type HubKeySource, type HubPublicKey, type PublicJwk } from './jwks.js';
export { createOperationRegistry, errorBodySchema, type OperationRegistry, type OperationSpec } from './openapi.js';
export { createClientCertificateReader, type ClientCertificateReader, type PresentedCertificate } from './client-certificate.js';
export type { AgencyIdentity, AppDeps, AuditSink, HttpConfig, IdentifyAgency, IdentifyContext, RouteDeps, RouteModule } from './types.js';
