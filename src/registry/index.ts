export type { Agency, CertificateRef, Party } from './agency.js';
export { agenciesFileSchema, type AgencyEntry, type Delivery } from './agency-schema.js';
export { createRegistry, loadRegistry, parseRegistry, readRegistry, type Registry } from './registry.js';
export {
  formatProblem,
  parseYamlSource,
  policyInvalid,
  readYamlSource,
  type PathSegment,
  type SourceProblem,
  type YamlSource,
} from './yaml-source.js';
