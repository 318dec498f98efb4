import { z } from 'zod';
import { HubError } from '../errors.js';
import { HUB_CERTIFICATE_KINDS, type CertificateKind } from './oids.js';

/**
 * How the scheme encodes identity in a certificate subject (RFC 5280 s.4.1.2.6):
 *
 *   agency:   CN=<agency id>, OU=<agency role>, O=<scheme organisation>
 *             e.g. CN=nv-police, OU=police, O=Northvale PPO Scheme
 *   hub:      CN=<hub id>,    OU=<kind>,        O=<scheme organisation>
 *             e.g. CN=isp-hub, OU=hub-signing, O=Northvale PPO Scheme
 *   CA:       CN=<CA name>,                     O=<scheme organisation>
 *
 * The agency id and role are the ones in policies/agencies.yaml. A
 * demonstration CA and everything it issues carry "DEMONSTRATION ONLY" in O,
 * so a person reading any of them can tell. A hub certificate's OU is its kind
 * and an agency's OU its role, so whether a certificate is an agency's or the
 * hub's is read from OU (oids.ts kindFromSubjectUnit); no agency role may be
 * a hub kind's name.
 *
 * Ids and roles are restricted to [a-z0-9-] so that no DN escaping
 * (RFC 4514 s.2.4) is ever needed and the string forms are unambiguous.
 */
export const identifierSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens');
/** Human names (CA name, organisation): printable, no DN special characters. */
export const displayNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 .()'_-]{0,62}$/, 'letters, digits, spaces and . ( ) \' _ -');

export type NameAttributes = Array<Record<string, string[]>>;

export function parseIdentifier(value: unknown, what: string): string {
  const parsed = identifierSchema.safeParse(value);
  if (!parsed.success) throw new HubError('BAD_REQUEST', `${what} must be lower-case letters, digits and hyphens (1-63 characters)`);
  return parsed.data;
}

/** An agency role for a certificate subject: a scheme identifier that is not the name of a hub kind. */
export function parseAgencyRole(value: unknown): string {
  const role = parseIdentifier(value, 'agency role');
  if ((HUB_CERTIFICATE_KINDS as readonly string[]).includes(role)) {
    throw new HubError('BAD_REQUEST', `agency role may not be ${role}: that OU marks the hub's own certificates`);
  }
  return role;
}

export function parseDisplayName(value: unknown, what: string): string {
  const parsed = displayNameSchema.safeParse(value);
  if (!parsed.success) throw new HubError('BAD_REQUEST', `${what} must be 1-63 letters, digits, spaces or . ( ) ' _ -`);
  return parsed.data;
}

export function caSubject(commonName: string, organisation: string): NameAttributes {
  return [{ CN: [commonName] }, { O: [organisation] }];
}

export function leafSubject(kind: CertificateKind, id: string, role: string | undefined, organisation: string): NameAttributes {
  const unit = kind === 'agency' ? role : kind;
  if (unit === undefined) throw new TypeError('an agency certificate needs a role');
  return [{ CN: [id] }, { OU: [unit] }, { O: [organisation] }];
}
