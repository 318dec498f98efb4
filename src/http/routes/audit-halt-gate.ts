import { HubError } from '../../errors.js';
import type { RouteModule } from '../types.js';

/**
 * While the audit log is stopped (Redis no longer extends the last signed
 * checkpoint), nothing is taken in: a message accepted now could not be
 * audited, and "nothing leaves before its audit entry is durable" would
 * turn into "nothing is audited at all". Mounted ahead of the agency routes.
 */
export function auditHaltGate(halted: () => { kind: string; signedSize: number; storedSize: number } | undefined): RouteModule {
  return (router) => {
    router.use((_req, _res, next) => {
      const report = halted();
      if (!report) {
        next();
        return;
      }
      next(
        new HubError('AUDIT_LOG_INCONSISTENT', 'the audit log does not extend its last signed checkpoint; the hub has stopped taking messages until an operator recovers it', {
          kind: report.kind,
          signedSize: report.signedSize,
          storedSize: report.storedSize,
        }),
      );
    });
  };
}
