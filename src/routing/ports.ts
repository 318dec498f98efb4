import type { AuditEntryInput } from '../audit/entry.js';
import type { HubError } from '../errors.js';

/**
 * What the intake and query use cases need from the other parts, stated
 * narrowly so each use case reads as the steps of docs/architecture.md, and so the composition root (src/hub) decides which concrete
 * envelope, policy, audit and delivery implementations fill them.
 */

export interface CallerIdentity {
  agencyId: string;
  role: string;
  /** x5t#S256 of the client certificate on the connection, when known: what its JWS must name. */
  thumbprint?: string;
}

/** A message record after the envelope is opened and the body validated (src/messages). */
export interface MessageRecord {
  type: string;
  purpose: string;
  actor: { id: string; role: string };
  subject: {
    identifiers: Record<string, string | undefined>;
    name: { given: string; family: string };
    dateOfBirth: string;
    category: string;
  };
  body: Record<string, unknown>;
  to?: string[];
}

export interface OpenedMessage {
  /** The agency whose certificate signed the inner JWS. */
  signerAgencyId: string;
  jti: string;
  issuedAt: Date;
  record: MessageRecord;
  /** SHA-256 (hex) of the inner JWS: ties a resealed delivery to the original in the audit log. */
  originalHash: string;
}

export interface PolicyObligations {
  disclose: readonly unknown[];
  marking: string;
  retainDays: number;
  notify: readonly string[];
}

export interface PolicyDecision {
  effect: 'permit' | 'deny';
  ruleIds: readonly string[];
  purpose: string;
  legalBases: readonly string[];
  obligations?: PolicyObligations;
  isChild: boolean;
  explanation: string;
  policyVersion: string;
}

export interface Minimised {
  /** The record as it may leave: type and purpose, and only the allowed fields of actor, subject and body. */
  record: Record<string, unknown>;
  disclosed: readonly string[];
  withheld: readonly string[];
}

/** What another source (the flag register) knows of the subject, to be decided under as well as the record's own claim. */
export interface SubjectView {
  child?: boolean;
}

export interface PolicyPort {
  decide(record: MessageRecord, senderId: string, recipientId: string, at: Date, view?: SubjectView): PolicyDecision;
  /**
   * The forbid that refuses a flow from `senderId` to `recipientId`, if one
   * does (a permit or the default deny gives undefined). Not a sharing
   * decision of its own, so not counted as one: a query checks with it that
   * the answer's flow, holder to asker, is not forbidden.
   */
  forbidding(record: MessageRecord, senderId: string, recipientId: string, at: Date, view?: SubjectView): PolicyDecision | undefined;
  minimise(record: MessageRecord, obligations: PolicyObligations): Minimised;
  recipientsFor(record: MessageRecord, senderId: string, at: Date): string[];
  agencyExists(agencyId: string): boolean;
  /** Whether the catalog defines this purpose code. */
  purposeExists(purpose: string): boolean;
  /** Every purpose code of the catalog, for the refusal's details. */
  purposes(): string[];
}

export interface AuditPort {
  append(input: AuditEntryInput): Promise<unknown>;
  /**
   * Appends the entries in this order in one atomic step: all are stored, or
   * none. With `once`, at most once for that key: a retry gets the first
   * try's entries and nothing is written again.
   */
  appendMany(inputs: AuditEntryInput[], options?: { once?: string }): Promise<unknown>;
}

/**
 * Audits a request refused before any decision and says what to answer: the
 * refusal itself, or, past a flood's limit, a 429 standing for it (the hub
 * wires src/http/refused-requests.ts).
 */
export interface RefusalPort {
  refuse(agencyId: string, entry: AuditEntryInput, error: HubError): Promise<HubError>;
}

export interface DeliveryRequest {
  messageId: string;
  sender: string;
  recipient: string;
  messageType: string;
  /** The hub-signed, recipient-encrypted envelope. */
  jwe: string;
}

export interface DeliveryPort {
  /** Records per-recipient tracking and enqueues; idempotent per (messageId, recipient). */
  accept(messageId: string, sender: string, outcomes: RecipientOutcome[], deliveries: DeliveryRequest[]): Promise<void>;
  /** Refuses (INBOX_FULL) deliveries a recipient's inbox has no room for; called before anything is audited or stored. */
  assertRoom?(deliveries: DeliveryRequest[]): Promise<void>;
}

export type RecipientOutcome =
  | { recipient: string; status: 'queued' }
  | { recipient: string; status: 'denied'; ruleIds: readonly string[]; reason: string };

export interface ResealPort {
  /** Signs provenance-carrying claims with the hub key and encrypts them to the recipient. */
  sealForRecipient(recipient: string, claims: Record<string, unknown>): Promise<string>;
}
