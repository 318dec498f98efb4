import type { Request, RequestHandler } from 'express';
import { HubError, isHubError } from '../errors.js';
import { thumbprintS256 } from '../pki/thumbprint.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import type { ClientCertificateReader } from './client-certificate.js';
import type { AgencyIdentity, IdentifyAgency } from './types.js';

const identities = new WeakMap<Request, AgencyIdentity>();
/** Per TLS connection: with keep-alive, identify once per connection, re-checked after this long. */
const CONNECTION_IDENTITY_TTL_MS = 60_000;
const AUDIT_CODE = /^[A-Za-z0-9_.:\/#()-]{1,128}$/;

/**
 * Establishes the calling agency from its client certificate before any body
 * is read. A missing certificate is 401 CLIENT_CERT_REQUIRED; one that
 * `identify` refuses is answered with its code (CERT_*, AGENCY_UNKNOWN).
 * Either way an `authentication-failed` audit entry is written (DPA 2018
 * s.62 asks for refusals to be accountable): the agency is `unknown` unless
 * the refusal names a genuine scheme agency, and the reason holds the code
 * and the certificate thumbprint, never anything personal. A flood of
 * refusals from one network address is answered 429 past a limit, without
 * an entry each (authentication-failures.ts).
 */
export function identityMiddleware(deps: { identify: IdentifyAgency; certificates: ClientCertificateReader; failures: AuthenticationFailures }): RequestHandler {
  const byConnection = new WeakMap<object, { identity: AgencyIdentity; until: number }>();
  return async (req, res, next) => {
    let thumbprint: string | undefined;
    try {
      // The server disables TLS renegotiation (server.ts), so a connection's
      // client certificate cannot change: identify it once per connection.
      const fromTls = deps.certificates.sourceOf(req) === 'tls';
      const cached = fromTls ? byConnection.get(req.socket) : undefined;
      let identity: AgencyIdentity;
      if (cached && cached.until > Date.now()) {
        identity = cached.identity;
      } else {
        const presented = deps.certificates.read(req);
        if (!presented) throw new HubError('CLIENT_CERT_REQUIRED', 'a client certificate issued by the scheme CA is required');
        thumbprint = thumbprintS256(presented.leaf);
        identity = await deps.identify(presented.leaf, { chain: presented.chain, source: presented.source });
        if (fromTls) byConnection.set(req.socket, { identity, until: Date.now() + CONNECTION_IDENTITY_TTL_MS });
      }
      identities.set(req, identity);
      res.locals.agencyId = identity.agencyId;
      next();
    } catch (error) {
      if (!isHubError(error)) throw error;
      throw await deps.failures.refuse(req, res, error, refusalEntry(error, thumbprint));
    }
  };
}

function refusalEntry(error: HubError, thumbprint: string | undefined) {
  const claimed = error.details?.agencyId;
  const agency = typeof claimed === 'string' && AUDIT_CODE.test(claimed) ? claimed : 'unknown';
  return {
    event: 'authentication-failed' as const,
    agency,
    decision: 'deny' as const,
    outcome: error.code,
    reason: `Client certificate refused (${error.code})${thumbprint ? `; certificate x5t#S256 ${thumbprint}` : ''}.`,
  };
}

/** The agency established for this request; a TypeError on a route not behind the identity middleware. */
export function agencyOf(req: Request): AgencyIdentity {
  const identity = identities.get(req);
  if (!identity) throw new TypeError('no agency identity on this request: is the route registered as an agency route?');
  return identity;
}
