import { z } from 'zod';

/**
 * Subject identifiers used across the criminal justice and children's systems,
 * with the check rules each one carries.
 *
 * Two of them (PNC ID and CRO number) end in a check character computed with
 * the "standard Modulus 23 algorithm" of the Police National Computer: the
 * numeric part is read as one integer, divided by 23, and the remainder picks
 * a letter from ZABCDEFGHJKLMNPQRTUVWXY (0 is Z, 1 is A, ...; I, O and S are
 * never used because they read as 1, 0 and 5). See the Criminal Justice Hub
 * data dictionary entries "Police National Computer Id (PNC Id)" and
 * "Criminal Records Office Number (CRO)", and the same rule in the Ministry
 * of Justice's open-source HMPPS person record service.
 *
 * The other three are format-only: prison (NOMIS) numbers and probation case
 * reference numbers (CRN) carry no public check character, and the local
 * authority child id is this scheme's own format.
 */

export const IDENTIFIER_KINDS = ['pnc', 'cro', 'prisonNumber', 'crn', 'localChildId'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

const MODULUS_23_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

/** The check letter the PNC's Modulus 23 rule gives for a numeric string. */
export function modulus23CheckLetter(digits: string): string {
  if (!/^\d{1,15}$/.test(digits)) {
    // 15 digits keep the value inside Number's exact integer range.
    throw new TypeError('modulus23CheckLetter expects 1 to 15 decimal digits');
  }
  return MODULUS_23_LETTERS[Number(digits) % 23] as string;
}

/**
 * The characters an identifier may be written with: ASCII letters, digits,
 * `/`, `-` and the ASCII space. Anything else is refused rather than folded:
 * JavaScript's upper-casing turns `ſ` (long s) into `S` and `ß` into `SS`,
 * and `\s` matches a no-break or ideographic space, so such a value would be
 * keyed as a valid number while the record, signed and forwarded exactly as
 * sent, carries something a recipient's system cannot match.
 */
const IDENTIFIER_CHARACTERS = /^[A-Za-z0-9/ -]*$/;

/** Upper case, spaces removed: the first step of every identifier form (only ever on IDENTIFIER_CHARACTERS). */
function compact(value: string): string {
  return value.replace(/ +/g, '').toUpperCase();
}

// --- PNC ID ---------------------------------------------------------------
// Display form YY/NNNNNNNL: a two-digit year, a serial of up to 7 digits
// (leading zeroes may be suppressed) and the check letter. Systems also show
// the year with its century (YYYY/NNNNNNNL); the century takes no part in the
// check. The check runs over YY followed by the serial padded to 7 digits.
const PNC_FORM = /^(?:(19|20)?(\d{2}))\/(\d{1,7})([A-Z])$/;

interface PncParts {
  year: string;
  serial: string;
  check: string;
}

function pncParts(value: string): PncParts | undefined {
  const match = PNC_FORM.exec(compact(value));
  if (!match) return undefined;
  const [, , year, serial, check] = match as unknown as [string, string | undefined, string, string, string];
  return { year, serial: serial.padStart(7, '0'), check };
}

// --- CRO number -----------------------------------------------------------
// Standard form NNNNNN/YYL: a serial of up to 6 digits (leading zeroes may be
// suppressed), a two-digit year and the check letter; the check runs over YY
// followed by the serial padded to 6 digits. Records without fingerprints
// carry an "SF" number instead, SFYY/NNNNNNL, whose check runs over YY
// followed by the serial as written.
const CRO_FORM = /^(\d{1,6})\/(\d{2})([A-Z])$/;
const CRO_SF_FORM = /^SF(\d{2})\/(\d{1,6})([A-Z])$/;

interface CroParts {
  sf: boolean;
  year: string;
  serial: string;
  check: string;
  checkedDigits: string;
}

function croParts(value: string): CroParts | undefined {
  const text = compact(value);
  const standard = CRO_FORM.exec(text);
  if (standard) {
    const [, serial, year, check] = standard as unknown as [string, string, string, string];
    const padded = serial.padStart(6, '0');
    return { sf: false, year, serial: padded, check, checkedDigits: year + padded };
  }
  const sf = CRO_SF_FORM.exec(text);
  if (sf) {
    const [, year, serial, check] = sf as unknown as [string, string, string, string];
    return { sf: true, year, serial, check, checkedDigits: year + serial };
  }
  return undefined;
}

// --- prison (NOMIS) number, probation CRN, local child id -----------------
/** NOMIS prison number, e.g. A1234BC: a letter, four digits, two letters. */
const PRISON_NUMBER_FORM = /^[A-Z]\d{4}[A-Z]{2}$/;
/** Probation case reference number (nDelius CRN), e.g. X123456: a letter and six digits. */
const CRN_FORM = /^[A-Z]\d{6}$/;
/**
 * Local authority child id, this scheme's own format: the authority's
 * two-letter code, `C` for a child record, and a six-digit serial, e.g.
 * NV-C-000123 for Northvale. Hyphens are the canonical separator.
 */
const LOCAL_CHILD_ID_FORM = /^([A-Z]{2})-?C-?(\d{6})$/;

/** Why an identifier failed, as a stable reason code (never the value). */
export type IdentifierProblem = 'characters' | 'format' | 'check-character';

/** Checks one identifier; `undefined` means it is valid. */
export function identifierProblem(kind: IdentifierKind, value: string): IdentifierProblem | undefined {
  if (!IDENTIFIER_CHARACTERS.test(value)) return 'characters';
  switch (kind) {
    case 'pnc': {
      const parts = pncParts(value);
      if (!parts) return 'format';
      return modulus23CheckLetter(parts.year + parts.serial) === parts.check ? undefined : 'check-character';
    }
    case 'cro': {
      const parts = croParts(value);
      if (!parts) return 'format';
      return modulus23CheckLetter(parts.checkedDigits) === parts.check ? undefined : 'check-character';
    }
    case 'prisonNumber':
      return PRISON_NUMBER_FORM.test(compact(value)) ? undefined : 'format';
    case 'crn':
      return CRN_FORM.test(compact(value)) ? undefined : 'format';
    case 'localChildId':
      return LOCAL_CHILD_ID_FORM.test(compact(value)) ? undefined : 'format';
    default:
      throw new TypeError('unknown identifier kind');
  }
}

export function isValidIdentifier(kind: IdentifierKind, value: string): boolean {
  return identifierProblem(kind, value) === undefined;
}

/**
 * The canonical form of an identifier, so that the same person gets the same
 * pseudonymous subject key whichever way a partner system wrote the number:
 * upper case, no spaces, PNC as YY/NNNNNNNL (century dropped, serial padded),
 * CRO as NNNNNN/YYL (serial padded) or SFYY/NNNNNNL, child id with hyphens.
 * Throws TypeError for an invalid identifier: callers normalise only what the
 * schema has already accepted.
 */
export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  if (identifierProblem(kind, value) !== undefined) {
    throw new TypeError(`normaliseIdentifier: not a valid ${kind}`);
  }
  switch (kind) {
    case 'pnc': {
      const parts = pncParts(value) as PncParts;
      return `${parts.year}/${parts.serial}${parts.check}`;
    }
    case 'cro': {
      const parts = croParts(value) as CroParts;
      return parts.sf ? `SF${parts.year}/${parts.serial}${parts.check}` : `${parts.serial}/${parts.year}${parts.check}`;
    }
    case 'localChildId': {
      const [, authority, serial] = LOCAL_CHILD_ID_FORM.exec(compact(value)) as unknown as [string, string, string];
      return `${authority}-C-${serial}`;
    }
    case 'prisonNumber':
    case 'crn':
      return compact(value);
    default:
      throw new TypeError('unknown identifier kind');
  }
}

const IDENTIFIER_TITLES: Record<IdentifierKind, string> = {
  pnc: 'PNC ID (YY/NNNNNNNL with its Modulus 23 check letter)',
  cro: 'CRO number (NNNNNN/YYL or SFYY/NNNNNNL with its Modulus 23 check letter)',
  prisonNumber: 'prison number (A1234BC)',
  crn: 'probation CRN (A123456)',
  localChildId: 'local authority child id (LA-C-NNNNNN, e.g. NV-C-000123)',
};

/**
 * The zod schema for one identifier kind. The value is checked, not
 * rewritten: the record keeps what the sender wrote (the hub signs and
 * minimises exactly that), and `normaliseIdentifier` gives the canonical form
 * where one is needed. Issue messages name the rule, never the value.
 */
/**
 * What each identifier looks like, for the published JSON Schema. Written as
 * prose, not a pattern: the hub accepts any case and white space and checks
 * the check character, which no JSON Schema keyword can express.
 */
const IDENTIFIER_DESCRIPTIONS: Record<IdentifierKind, string> = {
  pnc: 'PNC ID, YY/NNNNNNNL or YYYY/NNNNNNNL (serial of up to 7 digits) ending in the Modulus 23 check letter, e.g. 24/0123456B',
  cro: 'CRO number, NNNNNN/YYL or SFYY/NNNNNNL, ending in the Modulus 23 check letter',
  prisonNumber: 'Prison (NOMIS) number: a letter, 4 digits, 2 letters, e.g. A1234BC',
  crn: 'Probation case reference number: a letter and 6 digits, e.g. X123456',
  localChildId: "Local authority child id: the authority's 2 letters, C and 6 digits, e.g. NV-C-000123",
};

export function identifierSchema(kind: IdentifierKind): z.ZodString {
  return z
    .string()
    .max(32)
    .superRefine((value, ctx) => {
      const problem = identifierProblem(kind, value);
      if (problem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            problem === 'characters'
              ? `${IDENTIFIER_TITLES[kind]}: only ASCII letters, digits, '/', '-' and spaces are allowed`
              : problem === 'format'
                ? `not a ${IDENTIFIER_TITLES[kind]}`
                : `${IDENTIFIER_TITLES[kind]}: check character does not match`,
          params: { identifierKind: kind, problem },
        });
      }
    })
    .meta({ description: `${IDENTIFIER_DESCRIPTIONS[kind]}; letters in any case, white space ignored` });
}
