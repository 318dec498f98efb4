import type { Request, RequestHandler } from 'express';
import { HubError, isHubError } from '../errors.js';
import { thumbprintS256 } from '../pki/thumbprint.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import type { ClientCertificateReader, PresentedCertificate } from './client-certificate.js';
import type { AgencyIdentity, IdentifyAgency } from './types.js';

const identities = new WeakMap<Request, AgencyIdentity>();
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
 *
 * `identify` runs on every request, kept-alive or not, so a certificate
 * revoked (or expired) while its connection is open is refused on the next
 * request on it. What is kept per TLS connection is only the certificate it
 * presented: reading and parsing the peer's chain is the costly part, and it
 * cannot change on the connection. The trust store keeps the chain it built
 * per certificate and checks dates and revocation on each call.
 */
export function identityMiddleware(deps: { identify: IdentifyAgency; certificates: ClientCertificateReader; failures: AuthenticationFailures }): RequestHandler {
  const byConnection = new WeakMap<object, { presented: PresentedCertificate; thumbprint: string }>();
  return async (req, res, next) => {
    let thumbprint: string | undefined;
    try {
      // The server disables TLS renegotiation (server.ts), so a connection's
      // client certificate cannot change: read it once per connection.
      const fromTls = deps.certificates.sourceOf(req) === 'tls';
      let known = fromTls ? byConnection.get(req.socket) : undefined;
      if (!known) {
        const presented = deps.certificates.read(req);
        if (!presented) throw new HubError('CLIENT_CERT_REQUIRED', 'a client certificate issued by the scheme CA is required');
        known = { presented, thumbprint: thumbprintS256(presented.leaf) };
        if (fromTls) byConnection.set(req.socket, known);
      }
      thumbprint = known.thumbprint;
      const identity = await deps.identify(known.presented.leaf, { chain: known.presented.chain, source: known.presented.source });
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
