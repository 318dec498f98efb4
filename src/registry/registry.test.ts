import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { loadRegistry, parseRegistry } from './index.js';

const repoPolicies = path.resolve(import.meta.dirname, '../../policies');

const good = `version: 1
agencies:
  - id: nv-police
    name: Northvale Constabulary
    role: police
    area: Northvale
    certificate: certs/police.pem
    encryptionCertificate: certs/police-encryption.pem
    delivery: { mode: pull }
    designatedOfficer: { name: Alex Testperson, email: alex@police.northvale.example }
  - id: nv-housing
    name: Northvale Housing Options
    role: housing
    area: Northvale
    certificate: sha256:${'A'.repeat(43)}
    delivery: { mode: push, url: https://housing.northvale.example/isp }
    designatedOfficer: { name: Sam Placeholder, email: sam@housing.northvale.example }
`;

async function problemsOf(text: string): Promise<Array<{ file: string; line: number; message: string }>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'registry-'));
  const file = path.join(dir, 'agencies.yaml');
  await writeFile(file, text);
  try {
    await loadRegistry(file);
  } catch (error) {
    if (isHubError(error, 'POLICY_INVALID')) return error.details?.problems as Array<{ file: string; line: number; message: string }>;
    throw error;
  }
  throw new Error('expected the load to fail');
}

describe('registry', () => {
  it('loads the Northvale agencies file and looks agencies up by id and role', async () => {
    const registry = await loadRegistry(path.join(repoPolicies, 'agencies.yaml'));
    expect(registry.agencies.length).toBe(11);
    expect(registry.get('nv-police')?.role).toBe('police');
    expect(registry.byRole('housing').map((a) => a.id)).toEqual(['nv-housing']);
    expect(registry.roles()).toContain('childrens-services');
    const yot = registry.require('nv-yot');
    expect(yot.certificate).toEqual({ kind: 'file', path: path.resolve(repoPolicies, '../certs-example/agencies/nv-yot/cert.pem') });
    expect(yot.encryptionCertificate).toEqual({ kind: 'file', path: path.resolve(repoPolicies, '../certs-example/agencies/nv-yot/encryption-cert.pem') });
  });

  it('exposes thumbprints and push delivery', () => {
    const result = parseRegistry('/tmp/x/agencies.yaml', good);
    if (!result.ok) throw new Error('expected ok');
    expect(result.registry.require('nv-housing').certificate).toEqual({ kind: 'thumbprint', thumbprint: 'A'.repeat(43) });
    expect(result.registry.require('nv-housing').delivery).toEqual({ mode: 'push', url: 'https://housing.northvale.example/isp' });
    expect(result.registry.require('nv-police').certificate).toEqual({ kind: 'file', path: '/tmp/x/certs/police.pem' });
  });

  it('resolves an encryption certificate beside the signing one, and falls back to the one certificate without it', () => {
    const result = parseRegistry('/tmp/x/agencies.yaml', good);
    if (!result.ok) throw new Error('expected ok');
    expect(result.registry.require('nv-police').encryptionCertificate).toEqual({ kind: 'file', path: '/tmp/x/certs/police-encryption.pem' });
    expect(result.registry.require('nv-housing').encryptionCertificate).toEqual({ kind: 'thumbprint', thumbprint: 'A'.repeat(43) });
  });

  it('names file and line for a bad encryption certificate reference', async () => {
    const notPem = await problemsOf(good.replace('certs/police-encryption.pem', 'certs/police-encryption.crt'));
    expect(notPem).toHaveLength(1);
    expect(notPem[0]).toMatchObject({ line: 8, message: expect.stringMatching(/^agencies\.0\.encryptionCertificate: expected a path to a \.pem file/) });
    expect(notPem[0]!.file).toMatch(/agencies\.yaml$/);
    // The hub learns pinned certificates from TLS peers, and an encryption-only key can never be one.
    const pinned = await problemsOf(good.replace('certs/police-encryption.pem', `sha256:${'B'.repeat(43)}`));
    expect(pinned[0]).toMatchObject({ line: 8, message: expect.stringMatching(/encryptionCertificate: .*cannot be pinned by thumbprint/) });
  });

  it('throws AGENCY_UNKNOWN for an id the ISP does not name', () => {
    const result = parseRegistry('a.yaml', good);
    if (!result.ok) throw new Error('expected ok');
    expect(() => result.registry.require('nv-nobody')).toThrowError(expect.objectContaining({ code: 'AGENCY_UNKNOWN' }));
    expect(result.registry.byRole('nobody')).toEqual([]);
  });

  it('names file and line for a wrong field value', async () => {
    const problems = await problemsOf(good.replace('url: https://housing', 'url: http://housing'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toMatch(/agencies\.yaml$/);
    expect(problems[0]!.line).toBe(16);
    expect(problems[0]!.message).toMatch(/https/);
  });

  it('names the line of a missing required field and of an unknown field', async () => {
    const missing = await problemsOf(good.replace('    area: Northvale\n    certificate: sha256', '    certificate: sha256'));
    expect(missing[0]!.line).toBe(11);
    expect(missing[0]!.message).toMatch(/agencies\.1\.area: required/);
    const unknown = await problemsOf(good.replace('    area: Northvale\n', '    area: Northvale\n    colour: red\n'));
    expect(unknown[0]!.message).toMatch(/unknown field.*colour/);
  });

  it('rejects duplicate ids and a bad thumbprint with their lines', async () => {
    const duplicate = await problemsOf(good.replace('id: nv-housing', 'id: nv-police'));
    expect(duplicate[0]).toMatchObject({ line: 11, message: expect.stringMatching(/duplicate agency id/) });
    const thumb = await problemsOf(good.replace(`sha256:${'A'.repeat(43)}`, 'sha256:tooshort'));
    expect(thumb[0]).toMatchObject({ line: 15, message: expect.stringMatching(/thumbprint/) });
  });

  it('reports YAML syntax errors and unreadable files with a line', async () => {
    const syntax = await problemsOf('version: 1\nagencies:\n  - id: [unclosed\n');
    expect(syntax[0]!.message).toMatch(/YAML syntax/);
    expect(syntax[0]!.line).toBeGreaterThanOrEqual(3);
    await expect(loadRegistry('/nonexistent/agencies.yaml')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });
});
