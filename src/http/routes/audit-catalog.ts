import type { PolicySet } from '../../policy/index.js';
import type { AuditCatalog } from './audit.js';

/**
 * The audit API's titles and citations, read from the policy set in force:
 * purposes, legal bases and subject categories from policies/catalog.yaml,
 * rule descriptions from the rule files, agency names from agencies.yaml.
 * Pass a getter so a policy reload is seen at once.
 */
export function auditCatalogFromPolicySet(current: () => PolicySet): AuditCatalog {
  const rule = (id: string) => current().rules.find((candidate) => candidate.id === id);
  return {
    purposeTitle: (code) => current().catalog.purposes[code]?.title,
    purposeDescription: (code) => current().catalog.purposes[code]?.description,
    legalBasis: (code) => {
      const found = current().catalog.legalBases[code];
      return found ? { title: found.title, citation: found.citation } : undefined;
    },
    subjectCategoryTitle: (code) => current().catalog.subjectCategories[code]?.title,
    ruleDescription: (id) => rule(id)?.description,
    agencyName: (id) => current().registry.get(id)?.name,
  };
}
