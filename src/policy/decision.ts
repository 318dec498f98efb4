import type { Obligations } from './policy-set.js';

export interface Decision {
  readonly effect: 'permit' | 'deny';
  /** The rules that decided: the permits that allowed it and any forbid that refused or withheld fields. Empty for the default deny. */
  readonly ruleIds: readonly string[];
  readonly purpose: string;
  /** Legal bases of the deciding rules (of the forbid, when one refused). */
  readonly legalBases: readonly string[];
  /** What the recipient must observe; null when denied. */
  readonly obligations: Obligations | null;
  /** The subject was under 18 on the decision date (Children Act 1989 s.105). */
  readonly isChild: boolean;
  /** One sentence for a DPO, built from catalog titles and agency names, never from record values. */
  readonly explanation: string;
  readonly policyVersion: string;
  readonly sender: string;
  readonly recipient: string;
  /** Fields a forbid rule took off the allow-list for this recipient. */
  readonly withheldFields?: readonly string[];
}
