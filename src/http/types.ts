import type { X509Certificate } from 'node:crypto';
import type { Router } from 'express';
import type { AuditEntryInput } from '../audit/entry.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import type { HubConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { BodyReaders } from './body.js';
import type { HealthCheck } from './health.js';
import type { HubKeySource } from './jwks.js';
import type { HubMetrics } from './metrics.js';
import type { OperationRegistry } from './openapi.js';
import type { RateLimiter } from './rate-limit.js';

/** Who is calling, as established from the client certificate (mTLS or a trusted proxy). */
export interface AgencyIdentity {
  agencyId: string;
  role: string;
  /** x5t#S256 of the client certificate (RFC 7515 s.4.1.8). */
  thumbprint: string;
}

export interface IdentifyContext {
  /** Intermediates the client sent after its leaf (may be empty). */
  chain: readonly X509Certificate[];
  /** Whether the certificate came from the TLS handshake or a trusted proxy's header. */
  source: 'tls' | 'proxy';
}

/**
 * Maps a client certificate to an agency. The integrator backs it with the pki
 * trust store (chain, validity, revocation, `usage: 'tls-client'`) and the
 * registry. It throws HubError CERT_* or AGENCY_UNKNOWN; it may put
 * `details.agencyId` on the error when the certificate is genuinely the
 * scheme's (e.g. expired or revoked), so the refusal is audited against it.
 */
export type IdentifyAgency = (certificate: X509Certificate, context: IdentifyContext) => AgencyIdentity | Promise<AgencyIdentity>;

/** Where the HTTP layer writes its own audit entries (authentication failures). */
export interface AuditSink {
  append(input: AuditEntryInput): Promise<unknown>;
}

/** The settings the HTTP layer reads. */
export type HttpConfig = Pick<
  HubConfig,
  'NODE_ENV' | 'ENVELOPE_MAX_BYTES' | 'MAX_JSON_DEPTH' | 'TRUSTED_PROXIES' | 'CLIENT_CERT_HEADER' | 'HUB_ID'
>;

/** What a route module receives besides its router. */
export interface RouteDeps {
  config: HttpConfig;
  logger: Logger;
  metrics: HubMetrics;
  audit: AuditSink;
  /** Size-, type-, depth- and time-limited body readers; use them, never express.json(). */
  body: BodyReaders;
  /** Describe each route for /openapi.json. */
  registerOperation: OperationRegistry['registerOperation'];
  /** Add a named JSON Schema to /openapi.json's components, for bodies to refer to. */
  registerSchema: OperationRegistry['registerSchema'];
  /** Answers and audits a refused sign-in, bounded per network address (authentication-failures.ts). */
  authenticationFailures: AuthenticationFailures;
}

/**
 * A route module adds its routes to the router it is given. The routing,
 * audit and console engineers each write their own, e.g.
 * `(router, deps) => router.post('/v1/messages', deps.body.jose, handler)`.
 */
export type RouteModule = (router: Router, deps: RouteDeps) => void;

export interface AppDeps {
  config: HttpConfig;
  logger: Logger;
  identify: IdentifyAgency;
  audit: AuditSink;
  rateLimiter: RateLimiter;
  /** Counts refused sign-ins per network address; its limit is how many are audited one by one per window. */
  authenticationFailureLimiter: RateLimiter;
  metrics: HubMetrics;
  hubKeys: HubKeySource;
  health?: readonly HealthCheck[];
  routes?: {
    /**
     * Routes for agencies: the client certificate is checked and the
     * per-agency rate limit applied before the module's handlers run (and so
     * before any body is read). Every path no public route claims lands here,
     * so an unauthenticated caller learns nothing about which paths exist.
     */
    agency?: readonly RouteModule[];
    /** Routes with their own authentication (e.g. DPO bearer tokens on /v1/audit). */
    public?: readonly RouteModule[];
  };
  /** Defaults to a fresh registry; pass one to share it with a CLI that prints the spec. */
  operations?: OperationRegistry;
  /** Title and version in /openapi.json. */
  apiInfo?: { title: string; version: string };
}
