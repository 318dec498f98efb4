import { keyspace } from '../../redis/index.js';

/**
 * The audit index keys as the audit storage contract fixes them (the log's
 * append script writes them atomically with each entry; search only reads).
 * Every key carries the configured `{hash tag}` so one Lua script may read
 * them together on Redis Cluster.
 */
export interface AuditIndexKeys {
  size: string;
  time: string;
  subject(subjectKey: string): string;
  agency(agencyId: string): string;
  actor(agencyId: string, actorId: string): string;
  purpose(code: string): string;
  event(event: string): string;
  decision(decision: string): string;
}

export function auditIndexKeys(prefix: string): AuditIndexKeys {
  const key = keyspace(prefix);
  return {
    size: key('audit', 'size'),
    time: key('audit', 'ix', 'time'),
    subject: (subjectKey) => key('audit', 'ix', 'subject', subjectKey),
    agency: (agencyId) => key('audit', 'ix', 'agency', agencyId),
    actor: (agencyId, actorId) => key('audit', 'ix', 'actor', `${agencyId}/${actorId}`),
    purpose: (code) => key('audit', 'ix', 'purpose', code),
    event: (event) => key('audit', 'ix', 'event', event),
    decision: (decision) => key('audit', 'ix', 'decision', decision),
  };
}
