import { QUERY_MESSAGE_TYPES } from '../messages/record.js';
import type { AuditEntry } from './entry.js';

const QUESTIONS: ReadonlySet<string> = new Set(QUERY_MESSAGE_TYPES);

/**
 * A query's answer is recorded as a `disclosure` filed under the agency that
 * asked, with that agency as its recipient: the flags come out of the
 * register the hub keeps for their holders, so in views of who shared with
 * whom, the hub is the discloser. (The `consultation` entry before it records
 * the reading itself, which releases nothing.)
 */
export function isRegisterAnswer(entry: Pick<AuditEntry, 'event' | 'messageType'>): boolean {
  return entry.event === 'disclosure' && entry.messageType !== undefined && QUESTIONS.has(entry.messageType);
}
