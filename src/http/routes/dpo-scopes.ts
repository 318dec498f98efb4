import type { RequestHandler } from 'express';
import type { DpoScope } from '../../dpo/index.js';
import { HubError } from '../../errors.js';
import { dpoOf } from './audit-bearer.js';

/**
 * Narrows a DPO bearer check to the scopes a route group serves (least
 * privilege): the audit log for DPOs, the scheme returns for the scheme DPO
 * and scheme managers. Another valid token is refused 403 FORBIDDEN.
 */
export function withScopes(bearer: RequestHandler, allowed: ReadonlyArray<DpoScope['kind']>, refusal: string): RequestHandler {
  return async (req, res, next) => {
    let verified = false;
    await bearer(req, res, () => {
      verified = true;
    });
    if (!verified) return;
    if (!allowed.includes(dpoOf(res).scope.kind)) throw new HubError('FORBIDDEN', refusal);
    next();
  };
}
