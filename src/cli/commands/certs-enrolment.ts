import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../errors.js';
import {
  CERTIFICATE_KINDS,
  createCertificateRequest,
  describeCertificate,
  loadCaDirectory,
  recordIssuedCertificate,
  signCertificateRequest,
  writeIssuedCertificate,
  type CertificateKind,
  type IssuedCertificate,
} from '../../pki/index.js';

/**
 * Enrolment by certificate signing request (PKCS#10): `certs request` runs at
 * the agency and makes its key, which never leaves it; `certs sign` runs at
 * the CA operator and certifies the key in the request. docs/onboarding.md
 * walks a partner through both.
 */

const print = (text: string) => process.stdout.write(`${text}\n`);

/** Private keys are readable by their owner only. */
const PRIVATE_KEY_MODE = 0o600;

/** The file names `certs request` writes, by whether the key is the agency's main key or its encryption key. */
export const REQUEST_FILES = Object.freeze({
  main: { privateKey: 'key.pem', request: 'csr.pem' },
  encryption: { privateKey: 'encryption-key.pem', request: 'encryption-csr.pem' },
});

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function positiveInteger(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new HubError('BAD_REQUEST', `${what} must be a positive whole number`);
  return parsed;
}

/** The lines an operator adds to policies/agencies.yaml for a newly certified agency key. */
function agenciesYamlLines(issued: IssuedCertificate, certificateFile: string, role: string | undefined): string[] {
  const info = describeCertificate(issued.certificate);
  if (issued.encryptionOnly) {
    return [
      `in the entry of ${info.subject.commonName} in policies/agencies.yaml (a path relative to that file; an encryption certificate cannot be pinned):`,
      `    encryptionCertificate: ${certificateFile}`,
    ];
  }
  return [
    'add to policies/agencies.yaml (and fill in name, area, delivery and designatedOfficer):',
    `  - id: ${info.subject.commonName}`,
    `    role: ${role ?? info.subject.organisationalUnit ?? ''}`,
    `    certificate: sha256:${issued.thumbprint}`,
    `    # or a path to the file, relative to agencies.yaml: certificate: ${certificateFile}`,
  ];
}

export function registerEnrolment(certs: Command): void {
  certs
    .command('request')
    .description("at the agency: make a private key and a certificate signing request for it (the key never leaves this machine)")
    .requiredOption('--id <id>', 'the agency id the scheme operator gave you (policies/agencies.yaml id)')
    .requiredOption('--role <role>', 'the agency role the operator gave you (for the operator to check; the certificate takes it from the operator)')
    .option('--algorithm <algorithm>', 'P-256, Ed25519 or RSA-2048 and up (X25519 cannot sign a request)', 'P-256')
    .option('--encryption', 'the key is for encryption only: written as encryption-key.pem and encryption-csr.pem', false)
    .option('--out <dir>', 'folder for the key and the request', '.')
    .action(async (options: { id: string; role: string; algorithm: string; encryption: boolean; out: string }) => {
      const names = options.encryption ? REQUEST_FILES.encryption : REQUEST_FILES.main;
      const keyFile = path.join(options.out, names.privateKey);
      const requestFile = path.join(options.out, names.request);
      for (const file of [keyFile, requestFile]) {
        // A key written over is every message sealed to it, and the identity it proves, lost.
        if (await exists(file)) throw new HubError('BAD_REQUEST', `${file} already exists; nothing was written (move it away first)`);
      }
      const created = await createCertificateRequest({ id: options.id, role: options.role, algorithm: options.algorithm });
      await mkdir(options.out, { recursive: true, mode: 0o700 });
      await writeFile(keyFile, created.privateKeyPem, { mode: PRIVATE_KEY_MODE, flag: 'wx' });
      await writeFile(requestFile, created.csrPem, { flag: 'wx' });
      print(`made a ${created.algorithm} key and a certificate signing request for ${options.id}`);
      print(`  private key: ${keyFile} (mode 0600; keep it here, never send it)`);
      print(`  request:     ${requestFile} (send this to the scheme operator${options.encryption ? ', saying it is your encryption key' : ''})`);
    });

  certs
    .command('sign')
    .description('at the CA operator: certify the key in a certificate signing request, with the scheme profile for the kind')
    .requiredOption('--csr <file>', 'the PKCS#10 request (PEM or DER)')
    .requiredOption('--kind <kind>', `one of ${CERTIFICATE_KINDS.join(', ')}`)
    .option('--id <id>', 'agency id (agency) or hub id (hub kinds; default isp-hub)')
    .option('--role <role>', 'agency role from policies/agencies.yaml (agency only)')
    .option('--encryption', "agency only: an encryption-only certificate, written as encryption-cert.pem", false)
    .option('--days <days>', 'validity in days', '1825')
    .option('--ca <dir>', 'CA folder', 'ca')
    .option('--root <dir>', "folder to search for certificates issued before, besides the CA's issued/ record (default: the parent of the CA folder)")
    .option('--out <dir>', 'output folder (default: agencies/<id> or hub/ beside the CA folder)')
    .action(async (options: { csr: string; kind: string; id?: string; role?: string; encryption: boolean; days: string; ca: string; root?: string; out?: string }) => {
      if (options.encryption && options.kind !== 'agency') throw new HubError('BAD_REQUEST', '--encryption is for agency certificates only');
      let csr: Buffer;
      try {
        csr = await readFile(options.csr);
      } catch {
        throw new HubError('NOT_FOUND', 'certificate signing request file not found');
      }
      const caDirectory = await loadCaDirectory(options.ca);
      const issued = await signCertificateRequest(caDirectory, csr, {
        kind: options.kind as CertificateKind,
        ...(options.id === undefined ? {} : { id: options.id }),
        ...(options.role === undefined ? {} : { role: options.role }),
        encryptionOnly: options.encryption,
        validityDays: positiveInteger(options.days, '--days'),
        ...(options.root === undefined ? {} : { issuedRoot: options.root }),
      });
      const info = describeCertificate(issued.certificate);
      const parent = path.dirname(path.resolve(options.ca));
      const outDir = options.out ?? (issued.kind === 'agency' ? path.join(parent, 'agencies', info.subject.commonName) : path.join(parent, 'hub'));
      const written = await writeIssuedCertificate(outDir, issued);
      await recordIssuedCertificate(options.ca, issued);
      print(`signed ${issued.kind} certificate ${issued.serialNumber} for the ${issued.algorithm} key in ${options.csr}`);
      print(`  subject:     ${info.subjectText}`);
      print(`  not after:   ${info.notAfter.toISOString()}`);
      print(`  thumbprint:  ${issued.thumbprint}`);
      print(`  certificate: ${written.certificate}`);
      print(`  chain:       ${written.chain} (the CA certificate: send it back with the certificate)`);
      if (issued.kind === 'agency') agenciesYamlLines(issued, written.certificate, options.role).forEach((line) => print(line));
    });
}
