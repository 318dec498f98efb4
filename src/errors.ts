/**
 * The one error type for bad input from outside the process.
 *
 * Callers branch on `code`, never on message text. Each code maps to exactly
 * one HTTP status here, so the HTTP layer never guesses. A programming mistake
 * is a plain `TypeError`, never a HubError, so that it is not mistaken for the
 * caller's fault and answered with a 4xx.
 *
 * Messages must never contain personal data or values from a record: they can
 * reach logs and other agencies.
 */

const STATUS_BY_CODE = {
  // --- configuration and start-up (never sent over HTTP, but stable all the same)
  CONFIG_INVALID: 500,
  REDIS_NOT_INSTALLED: 500,
  REDIS_START_FAILED: 500,

  // --- envelope: serialisation (RFC 7515 s.7.1, RFC 7516 s.7.1)
  ENVELOPE_TOO_LARGE: 413,
  ENVELOPE_MALFORMED: 400,
  ENVELOPE_HEADER_INVALID: 400,
  // --- envelope: JWE layer
  JWE_ALG_NOT_ALLOWED: 400,
  JWE_ENC_NOT_ALLOWED: 400,
  JWE_ZIP_NOT_ALLOWED: 400,
  JWE_CTY_INVALID: 400,
  JWE_UNKNOWN_KID: 400,
  JWE_DECRYPTION_FAILED: 400,
  // --- envelope: JWS layer
  JWS_ALG_NOT_ALLOWED: 400,
  JWS_TYP_INVALID: 400,
  JWS_SIGNER_UNKNOWN: 401,
  JWS_SIGNATURE_INVALID: 401,
  JWS_KEY_MISMATCH: 401,
  // --- envelope: claims (RFC 7519 s.4.1)
  CLAIMS_INVALID: 400,
  CLAIM_AUD_INVALID: 400,
  CLAIM_IAT_OUT_OF_SKEW: 400,
  CLAIM_EXPIRED: 400,
  CLAIM_EXP_TOO_FAR: 400,
  CLAIM_JTI_MISSING: 400,
  SIGNER_NOT_CALLER: 403,
  REPLAY_DETECTED: 409,
  IDEMPOTENCY_CONFLICT: 409,

  // --- certificates and identity
  CERT_MALFORMED: 400,
  CERT_UNTRUSTED_ISSUER: 401,
  CERT_EXPIRED: 401,
  CERT_NOT_YET_VALID: 401,
  CERT_REVOKED: 401,
  CERT_KEY_USAGE: 401,
  CERT_NOT_CA: 401,
  CERT_DEMO_IN_PRODUCTION: 401,
  CERT_KEY_UNSUPPORTED: 400,
  /** A public key already certified to another party (or revoked for compromise) is not certified again. */
  CERT_KEY_IN_USE: 409,
  // --- certificate signing requests (PKCS#10, RFC 2986)
  CSR_MALFORMED: 400,
  CSR_SIGNATURE_INVALID: 400,
  CSR_CA_REQUESTED: 400,
  CLIENT_CERT_REQUIRED: 401,
  AGENCY_UNKNOWN: 401,

  // --- messages and policy
  MESSAGE_INVALID: 422,
  MESSAGE_TYPE_UNKNOWN: 422,
  MESSAGE_TYPE_WRONG_ENDPOINT: 422,
  PURPOSE_UNKNOWN: 422,
  SUBJECT_IDENTIFIER_INVALID: 422,
  RECIPIENT_UNKNOWN: 422,
  POLICY_INVALID: 422,
  POLICY_DENIED: 403,

  // --- HTTP boundary
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  JSON_TOO_DEEP: 400,
  RATE_LIMITED: 429,
  AUTH_FAILURES_LIMITED: 429,
  /** Refused requests from one agency past what is audited one by one in a window. */
  REFUSALS_LIMITED: 429,
  /** An agency over its budget of bytes sent per window. */
  SEND_BUDGET_EXCEEDED: 429,
  REQUEST_TIMEOUT: 408,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,

  // --- DPO sign-in (RFC 6750 bearer tokens)
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,

  // --- audit
  AUDIT_ENTRY_INVALID: 400,
  AUDIT_NOT_FOUND: 404,
  AUDIT_CHECKPOINT_NOT_FOUND: 404,
  AUDIT_PROOF_INVALID: 422,
  AUDIT_TAMPERED: 500,
  /** An archive segment the manifest lists is not on disk (or not readable). */
  AUDIT_ARCHIVE_MISSING: 500,
  /** The stored log does not extend the last signed checkpoint (rollback or fork): the hub stops (RFC 9162 s.1.1). */
  AUDIT_LOG_INCONSISTENT: 503,
  /** AUDIT_ARCHIVE_DIR is not the store the other hub processes share. */
  AUDIT_STORE_NOT_SHARED: 500,
  AUDIT_CURSOR_INVALID: 400,

  // --- scheme returns
  PERIOD_INVALID: 400,
  RETURN_FORMAT_INVALID: 400,

  // --- delivery and inbox
  INBOX_ITEM_NOT_FOUND: 404,
  /** A recipient's pull inbox holds its quota of items or bytes. */
  INBOX_FULL: 429,
  DELIVERY_NOT_FOUND: 404,

  // --- the hub is not able to serve right now
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type HubErrorCode = keyof typeof STATUS_BY_CODE;

export const HUB_ERROR_CODES = Object.freeze(Object.keys(STATUS_BY_CODE) as HubErrorCode[]);

export function httpStatusFor(code: HubErrorCode): number {
  return STATUS_BY_CODE[code];
}

export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly status: number;
  /** Safe, non-personal details for the caller (e.g. which claim, which limit). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: HubErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'HubError';
    this.code = code;
    this.status = httpStatusFor(code);
    this.details = details ? Object.freeze({ ...details }) : undefined;
  }

  /** The body the HTTP layer sends: code and message, never a stack. */
  toJSON(): { error: { code: HubErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: { ...this.details } } : {}) },
    };
  }
}

export function isHubError(value: unknown, code?: HubErrorCode): value is HubError {
  return value instanceof HubError && (code === undefined || value.code === code);
}
