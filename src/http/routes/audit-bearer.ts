import type { RequestHandler, Response } from 'express';
import type { DpoIdentity, DpoTokenVerifier } from '../../dpo/index.js';
import { HubError, isHubError } from '../../errors.js';
import type { AuthenticationFailures } from '../authentication-failures.js';
import { actorIdFrom } from '../../messages/sender-ids.js';

/**
 * DPO authentication on /v1/audit: `Authorization: Bearer <JWT>` only
 * (RFC 6750 s.2.1). Tokens in the query string (s.2.3) are not accepted: URLs
 * end up in histories and proxy logs. A refusal carries `WWW-Authenticate`
 * as RFC 6750 s.3 asks: no error attribute when no token was sent (s.3.1),
 * `invalid_token` when one was sent and failed.
 */
const REALM = 'isp-hub-audit';
const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;
const DPO = Symbol('dpo');

export function dpoBearer(verifier: DpoTokenVerifier, failures: AuthenticationFailures): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') {
      res.setHeader('WWW-Authenticate', `Bearer realm="${REALM}"`);
      throw new HubError('TOKEN_MISSING', 'a DPO bearer token is required');
    }
    const match = BEARER.exec(header.trim());
    if (!match?.[1]) {
      res.setHeader('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_request"`);
      throw new HubError('TOKEN_INVALID', 'the Authorization header is not a bearer token');
    }
    try {
      (res.locals as Record<symbol, DpoIdentity>)[DPO] = await verifier.verify(match[1]);
    } catch (error) {
      // The identity provider's keys could not be fetched (503): not the token's fault, so not a failed sign-in.
      if (!isHubError(error) || error.code === 'UNAVAILABLE') throw error;
      res.setHeader('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token"`);
      // A token that was presented and refused (forged, expired, for another
      // audience) is an authentication failure like a refused client
      // certificate (DPA 2018 s.62): audited, against no agency, since nothing
      // in an unverified token can be believed. A missing token is not: that
      // is a browser that has not signed in yet. No sharing was decided, so
      // the decision is not-applicable (the overview's refusals are sharing refusals).
      // A flood from one address is answered 429 past a limit, without an entry each.
      throw await failures.refuse(req, res, error, { event: 'authentication-failed', agency: 'unknown', decision: 'not-applicable', outcome: error.code, reason: `A DPO sign-in token was refused (${error.code}).` });
    }
    // Audit answers are about people: never kept by a browser or a proxy (RFC 9111 s.5.2.2.5).
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** The DPO the bearer middleware verified; a TypeError if it did not run. */
export function dpoOf(res: Response): DpoIdentity {
  const identity = (res.locals as Record<symbol, DpoIdentity | undefined>)[DPO];
  if (!identity) throw new TypeError('dpoBearer() did not run before this handler');
  return identity;
}

/** The DPO as the audit log's `actor`: their subject (agency/name-slug), and whether they read for the scheme. */
export function dpoActor(identity: DpoIdentity): { id: string; role: string } {
  const id = actorIdFrom(identity.subject, 'dpo');
  return { id, role: identity.scope.kind === 'agency' ? 'agency-dpo' : identity.scope.kind === 'scheme' ? 'scheme-dpo' : 'scheme-manager' };
}
