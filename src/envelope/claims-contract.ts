import { z } from 'zod';
import { MAX_JTI_LENGTH } from './claims.js';

/**
 * The claims contract an agency's JWS payload must meet: the registered
 * claims the envelope checks (RFC 7519 s.4.1) and the `to` claim routing
 * reads. Written once here and rendered three ways, so the rule a sender
 * reads is the rule the hub applies: as the zod schema behind
 * GET /v1/schemas/envelope-claims, as the table in docs/envelope.md (a test
 * compares the two) and as the same table in /openapi.json.
 */
export interface ClaimsContractSettings {
  /** HUB_ID: the audience every message must name. */
  hubId: string;
  /** CLOCK_SKEW_SECONDS */
  clockSkewSeconds: number;
  /** MAX_MESSAGE_LIFETIME_SECONDS: the largest exp - iat. */
  maxLifetimeSeconds: number;
  /** REPLAY_WINDOW_SECONDS: how long a jti stays bound to the bytes first sent with it. */
  replayWindowSeconds: number;
}

/** The defaults of src/config/schema.ts, which docs/envelope.md is written for. */
export const DEFAULT_CLAIMS_CONTRACT_SETTINGS: ClaimsContractSettings = Object.freeze({
  hubId: 'isp-hub',
  clockSkewSeconds: 60,
  maxLifetimeSeconds: 3600,
  replayWindowSeconds: 7 * 24 * 3600,
});

export interface ClaimRule {
  claim: 'iss' | 'aud' | 'iat' | 'exp' | 'jti' | 'to';
  rule: string;
  /** The error codes a breach of the rule is answered with. */
  codes: string[];
}

export function claimsContract(settings: ClaimsContractSettings): ClaimRule[] {
  const { hubId, clockSkewSeconds: skew, maxLifetimeSeconds: lifetime, replayWindowSeconds: window } = settings;
  return [
    {
      claim: 'iss',
      rule: 'The sending agency id (its `id` in agencies.yaml, the CN of its certificate). It must name the agency whose certificate signed the JWS, and that agency must be the one on the TLS connection.',
      codes: ['CLAIMS_INVALID', 'SIGNER_NOT_CALLER'],
    },
    {
      claim: 'aud',
      rule: `The hub id, \`HUB_ID\` (\`${hubId}\`), or an array that contains it.`,
      codes: ['CLAIM_AUD_INVALID'],
    },
    {
      claim: 'iat',
      rule: `NumericDate (seconds since 1970-01-01T00:00:00Z, RFC 7519 s.2). At most \`CLOCK_SKEW_SECONDS\` (${skew} s) ahead of the hub's clock.`,
      codes: ['CLAIMS_INVALID', 'CLAIM_IAT_OUT_OF_SKEW'],
    },
    {
      claim: 'exp',
      rule: `NumericDate, not before \`iat\`, and later than the hub's clock less \`CLOCK_SKEW_SECONDS\` (${skew} s). \`exp - iat\` is at most \`MAX_MESSAGE_LIFETIME_SECONDS\` (${lifetime} s).`,
      codes: ['CLAIMS_INVALID', 'CLAIM_EXPIRED', 'CLAIM_EXP_TOO_FAR'],
    },
    {
      claim: 'jti',
      rule: `A string of 1 to ${MAX_JTI_LENGTH} characters, unique per sending agency (the message id is derived from the agency and the jti). A retry sends the same bytes again and gets the first answer; the same jti with other bytes is refused for \`REPLAY_WINDOW_SECONDS\` (${window} s).`,
      codes: ['CLAIM_JTI_MISSING', 'CLAIMS_INVALID', 'IDEMPOTENCY_CONFLICT'],
    },
    {
      claim: 'to',
      rule: 'Optional: 1 to 32 agency ids, each a partner agency. Omitted: every agency a permitting rule names. The policy still decides for each one.',
      codes: ['MESSAGE_INVALID', 'RECIPIENT_UNKNOWN'],
    },
  ];
}

/** The contract as a Markdown table (docs/envelope.md, /openapi.json). */
export function claimsContractTable(settings: ClaimsContractSettings): string {
  const rows = claimsContract(settings).map((row) => `| \`${row.claim}\` | ${row.rule} | ${row.codes.map((code) => `\`${code}\``).join(', ')} |`);
  return ['| claim | rule | refused with |', '|---|---|---|', ...rows].join('\n');
}

const numericDate = (description: string) => z.number().nonnegative().meta({ description });

/**
 * The registered claims as a zod schema (`to` belongs to the message fields,
 * see src/messages). Open to further members: the payload carries the
 * message fields beside them.
 */
export function envelopeClaimsSchema(settings: ClaimsContractSettings) {
  const rules = new Map(claimsContract(settings).map((row) => [row.claim, row.rule]));
  return z.looseObject({
    iss: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/).meta({ description: rules.get('iss') }),
    aud: z.union([z.literal(settings.hubId), z.array(z.string()).min(1)]).meta({ description: rules.get('aud') }),
    iat: numericDate(rules.get('iat') as string),
    exp: numericDate(rules.get('exp') as string),
    jti: z.string().min(1).max(MAX_JTI_LENGTH).meta({ description: rules.get('jti') }),
  });
}
