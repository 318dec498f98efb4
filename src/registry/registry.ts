import path from 'node:path';
import { HubError } from '../errors.js';
import type { Agency, CertificateRef } from './agency.js';
import { agenciesFileSchema } from './agency-schema.js';
import { policyInvalid, readYamlSource, parseYamlSource, type SourceProblem, type YamlSource } from './yaml-source.js';

export interface Registry {
  /** Every agency, in file order. */
  readonly agencies: readonly Agency[];
  /** The file the registry was read from. */
  readonly file: string;
  get(id: string): Agency | undefined;
  /** Throws HubError AGENCY_UNKNOWN for an id the ISP does not name. */
  require(id: string): Agency;
  byRole(role: string): readonly Agency[];
  /** The distinct roles, sorted. */
  roles(): readonly string[];
}

export function createRegistry(agencies: readonly Agency[], file = '<memory>'): Registry {
  const byId = new Map<string, Agency>();
  const byRole = new Map<string, Agency[]>();
  for (const agency of agencies) {
    if (byId.has(agency.id)) throw new TypeError(`duplicate agency id ${agency.id}`);
    byId.set(agency.id, agency);
    const list = byRole.get(agency.role) ?? [];
    list.push(agency);
    byRole.set(agency.role, list);
  }
  const roles = Object.freeze([...byRole.keys()].sort());
  const frozen = Object.freeze([...agencies]);
  return {
    agencies: frozen,
    file,
    get: (id) => byId.get(id),
    require(id) {
      const agency = byId.get(id);
      if (!agency) throw new HubError('AGENCY_UNKNOWN', 'the agency is not a partner of this ISP');
      return agency;
    },
    byRole: (role) => byRole.get(role) ?? [],
    roles: () => roles,
  };
}

/** Parses agencies.yaml text; problems carry file and line. */
export function parseRegistry(
  file: string,
  text: string,
): { ok: true; registry: Registry; source: YamlSource } | { ok: false; problems: SourceProblem[] } {
  return fromParsed(file, parseYamlSource(file, text, agenciesFileSchema));
}

function fromParsed(
  file: string,
  parsed: ReturnType<typeof parseYamlSource<typeof agenciesFileSchema>>,
): { ok: true; registry: Registry; source: YamlSource } | { ok: false; problems: SourceProblem[] } {
  if (!parsed.ok) return parsed;
  const { value, source } = parsed;
  const problems: SourceProblem[] = [];
  const seen = new Set<string>();
  value.agencies.forEach((entry, index) => {
    if (seen.has(entry.id)) problems.push(source.problem(['agencies', index, 'id'], `agencies[${index}].id: duplicate agency id \`${entry.id}\``));
    seen.add(entry.id);
  });
  // An id that is also some agency's role would make rules ambiguous: `to: [x]` must mean one thing.
  const roles = new Set(value.agencies.map((a) => a.role));
  value.agencies.forEach((entry, index) => {
    if (roles.has(entry.id)) problems.push(source.problem(['agencies', index, 'id'], `agencies[${index}].id: \`${entry.id}\` is also a role name; ids and roles must differ`));
  });
  if (problems.length > 0) return { ok: false, problems };
  const dir = path.dirname(path.resolve(file));
  const agencies: Agency[] = value.agencies.map((entry) =>
    Object.freeze({
      id: entry.id,
      name: entry.name,
      role: entry.role,
      area: entry.area,
      certificate: resolveCertificateRef(dir, entry.certificate),
      encryptionCertificate: resolveCertificateRef(dir, entry.encryptionCertificate ?? entry.certificate),
      delivery: Object.freeze({ ...entry.delivery }),
      designatedOfficer: Object.freeze({ ...entry.designatedOfficer }),
    }),
  );
  return { ok: true, registry: createRegistry(agencies, file), source };
}

/** A schema-checked reference: `sha256:<thumbprint>`, or a PEM path relative to the agencies file's folder. */
function resolveCertificateRef(dir: string, ref: string): CertificateRef {
  return ref.startsWith('sha256:')
    ? Object.freeze({ kind: 'thumbprint' as const, thumbprint: ref.slice('sha256:'.length) })
    : Object.freeze({ kind: 'file' as const, path: path.resolve(dir, ref) });
}

/** Reads policies/agencies.yaml (or another file). Throws HubError POLICY_INVALID listing file:line problems. */
export async function loadRegistry(file: string): Promise<Registry> {
  const result = fromParsed(file, await readYamlSource(file, agenciesFileSchema));
  if (!result.ok) throw policyInvalid(result.problems);
  return result.registry;
}

/** Same, but returns the problems (and the source for the version hash) instead of throwing. */
export async function readRegistry(
  file: string,
): Promise<{ ok: true; registry: Registry; source: YamlSource } | { ok: false; problems: SourceProblem[] }> {
  return fromParsed(file, await readYamlSource(file, agenciesFileSchema));
}
