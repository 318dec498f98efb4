/**
 * Short, human-readable views of a record as a recipient got it: which
 * fields arrived, which of the sender's fields did not, and a one-line
 * summary of the values. The demo prints these so a reader can see data
 * minimisation (UK GDPR Art 5(1)(c); DPA 2018 s.37) at work per recipient.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The paths of `sent` that are absent from `received`, shallowest first (a missing object is named once, not leaf by leaf). */
export function withheldPaths(sent: unknown, received: unknown, prefix = ''): string[] {
  if (!isObject(sent)) return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const other = isObject(received) ? received[key] : undefined;
    if (other === undefined) missing.push(path);
    else if (isObject(value)) missing.push(...withheldPaths(value, other, path));
  }
  return missing;
}

/** A compact outline of an object's keys, e.g. `needs{housing}`, `offences[2]`, to `depth` levels. */
export function outline(value: unknown, depth = 2): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (!isObject(value)) return '';
  const keys = Object.entries(value).map(([key, inner]) => {
    if (Array.isArray(inner)) return `${key}[${inner.length}]`;
    if (isObject(inner) && depth > 1) return `${key}{${outline(inner, depth - 1)}}`;
    return key;
  });
  return keys.join(',');
}

function at(record: unknown, path: string): Json | undefined {
  let current: unknown = record;
  for (const key of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current as Json | undefined;
}

const text = (value: Json | undefined): string | undefined => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

/**
 * One line of what the record says, from whichever well-known fields it
 * carries; a field the recipient did not get cannot appear here.
 */
export function summarise(record: unknown): string {
  const parts: string[] = [];
  const given = text(at(record, 'subject.name.given'));
  const family = text(at(record, 'subject.name.family'));
  if (given || family) parts.push([given, family].filter(Boolean).join(' '));
  const arrestedAt = text(at(record, 'body.arrestedAt'));
  if (arrestedAt) parts.push(`arrested ${arrestedAt}${text(at(record, 'body.custodySuite')) ? ` at ${text(at(record, 'body.custodySuite'))}` : ''}`);
  const offences = at(record, 'body.offences');
  if (Array.isArray(offences)) parts.push(`offences: ${offences.map((offence) => text(at(offence, 'description')) ?? '?').join('; ')}`);
  const ppo = text(at(record, 'body.ppo.priority'));
  if (ppo) parts.push(`PPO ${text(at(record, 'body.ppo.status')) ?? ''} (${ppo})`.replace('  ', ' '));
  const releaseDate = text(at(record, 'body.releaseDate'));
  if (releaseDate) parts.push(`release ${releaseDate}${text(at(record, 'body.releaseType')) ? ` on ${text(at(record, 'body.releaseType'))}` : ''}`);
  const releaseAddress = at(record, 'body.addressOnRelease.address');
  if (isObject(releaseAddress)) parts.push(`to ${[text(at(releaseAddress, 'line1')), text(at(releaseAddress, 'postcode'))].filter(Boolean).join(', ')}`);
  const conditions = at(record, 'body.licence.conditions');
  if (Array.isArray(conditions)) parts.push(`${conditions.length} licence conditions`);
  const officer = text(at(record, 'body.licence.supervisingOfficer.name'));
  if (officer) parts.push(`offender manager ${officer}`);
  const housing = text(at(record, 'body.needs.housing.status'));
  if (housing) parts.push(`housing need: ${housing}`);
  const substances = at(record, 'body.needs.substanceMisuse.substances');
  if (Array.isArray(substances)) parts.push(`substances: ${substances.map((item) => text(item) ?? '?').join(', ')}`);
  const risk = text(at(record, 'body.risk.riskOfSeriousHarm'));
  if (risk) parts.push(`risk of serious harm ${risk}`);
  const flags = at(record, 'body.flags');
  if (Array.isArray(flags)) parts.push(`flags: ${flags.map((flag) => `${text(at(flag, 'code')) ?? '?'}${text(at(flag, 'level')) ? ` (${text(at(flag, 'level'))})` : ''}`).join(', ')}`);
  return parts.join('; ');
}
