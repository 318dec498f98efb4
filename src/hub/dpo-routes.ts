import { createAuditSearch } from '../audit/search/index.js';
import { verifyFullLog } from '../audit/index.js';
import { createDpoTokenVerifier, embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer, type DpoTokenVerifier } from '../dpo/index.js';
import { createRedisRateLimiter, type RouteModule } from '../http/index.js';
import { auditRoutes } from '../http/routes/audit.js';
import { auditCatalogFromPolicySet } from '../http/routes/audit-catalog.js';
import { consoleRoutes } from '../http/routes/console.js';
import { signingCertificatesRoute } from '../http/routes/audit-signing-certificates.js';
import { returnsRoutes } from '../http/routes/returns.js';
import { createReturnsService, disclosureRulesFrom, loadTargets } from '../returns/index.js';
import type { HubParts } from './create-hub.js';

/**
 * The DPO-facing routes: the audit API behind DPO bearer tokens, and the
 * console. Tokens come from the configured OIDC issuer (DPO_ISSUER and
 * DPO_JWKS_URL) or, on the embedded default, from the hub's own issuer whose
 * key `isp-hub dpo token` shares under DATA_DIR.
 */
export async function dpoRoutes(parts: HubParts): Promise<RouteModule[]> {
  const { config, redis, auditLog } = parts;
  const catalog = auditCatalogFromPolicySet(() => parts.policy.current());
  const auditSearch = createAuditSearch({ redis, prefix: config.REDIS_KEY_PREFIX, auditLog, subjectKeyer: parts.subjectKeyer, catalog });
  const verifier = await dpoVerifier(parts);
  const returns = createReturnsService({
    ledger: parts.ledger,
    redis,
    prefix: config.REDIS_KEY_PREFIX,
    policy: () => parts.policy.current(),
    audit: auditLog,
    rules: disclosureRulesFrom(config),
  });
  return [
    returnsRoutes({ verifier, returns, targets: () => loadTargets(config.POLICY_DIR) }),
    auditRoutes({
      verifier,
      auditLog,
      auditSearch,
      catalog,
      redis,
      prefix: config.REDIS_KEY_PREFIX,
      rateLimiter: createRedisRateLimiter({ redis, keyPrefix: `${config.REDIS_KEY_PREFIX}:rate`, limit: config.DPO_RATE_LIMIT_PER_MINUTE }),
      verifyFull: async (onProgress) => {
        // Each checkpoint is checked against the certificate it names, among every one the hub has used.
        const previous = parts.keys.previous.signing ? [parts.keys.previous.signing.certificate] : [];
        const hubCertificate = [parts.keys.signing.certificate, ...previous, ...(await auditLog.signingHistory.certificates())];
        return verifyFullLog({ redis, prefix: config.REDIS_KEY_PREFIX, archiveDir: parts.archiveDir, hubCertificate, onProgress });
      },
    }),
    signingCertificatesRoute(() => auditLog.signingHistory.list()),
    consoleRoutes(),
  ];
}

async function dpoVerifier({ config }: HubParts): Promise<DpoTokenVerifier> {
  if (config.DPO_ISSUER && config.DPO_JWKS_URL) {
    return createDpoTokenVerifier({ issuer: config.DPO_ISSUER, audience: config.DPO_AUDIENCE, jwks: new URL(config.DPO_JWKS_URL), maxLifetimeSeconds: config.DPO_TOKEN_MAX_LIFETIME_SECONDS });
  }
  const issuer = await loadOrCreateEmbeddedDpoIssuer(config.DATA_DIR, embeddedDpoIssuerUrl(config.HUB_ID));
  return createDpoTokenVerifier({ issuer: issuer.issuer, audience: config.DPO_AUDIENCE, jwks: issuer.jwks, maxLifetimeSeconds: config.DPO_TOKEN_MAX_LIFETIME_SECONDS });
}
