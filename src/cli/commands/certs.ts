import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../errors.js';
import { registerEnrolment } from './certs-enrolment.js';
import {
  CERTIFICATE_KINDS,
  REVOCATION_REASONS,
  describeCertificate,
  ISSUED_RECORD_DIR,
  findIssuedCertificates,
  initCaDirectory,
  issueCertificate,
  loadCaDirectory,
  readCertificatesPem,
  recordIssuedCertificate,
  toPkcs12,
  writeIssuedCertificate,
  type CertificateInfo,
  type CertificateKind,
} from '../../pki/index.js';

/**
 * `isp-hub certs`: run a scheme CA from the command line. The folder layout
 * is the one certs-example/ uses (see src/pki/ca-directory.ts), so
 * `cd certs-example && isp-hub certs list` works on the demonstration CA.
 */

const DEFAULT_CA_DIR = 'ca';
const P12_PASSWORD_ENV = 'ISP_HUB_P12_PASSWORD';

const print = (text: string) => process.stdout.write(`${text}\n`);

function positiveInteger(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new HubError('BAD_REQUEST', `${what} must be a positive whole number`);
  return parsed;
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function describeLines(info: CertificateInfo): string[] {
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  return [
    `subject:             ${info.subjectText}`,
    `issuer:              ${info.issuerText}`,
    `serial:              ${info.serialNumber}`,
    `not before:          ${info.notBefore.toISOString()}`,
    `not after:           ${info.notAfter.toISOString()}`,
    `kind:                ${info.kind ?? (info.isCa ? 'ca' : 'unknown')}`,
    `CA:                  ${yesNo(info.isCa)}`,
    `key algorithm:       ${info.keyAlgorithm ?? 'unsupported'}`,
    `key usage:           ${info.keyUsage?.join(', ') ?? '(none)'}`,
    `extended key usage:  ${info.extendedKeyUsage.map(ekuName).join(', ') || '(none)'}`,
    ...(info.dnsNames.length + info.ipAddresses.length > 0 ? [`subject alt names:   ${[...info.dnsNames, ...info.ipAddresses].join(', ')}`] : []),
    `demonstration:       ${yesNo(info.demonstration)}`,
    `thumbprint x5t#S256: ${info.thumbprint}`,
  ];
}

function ekuName(oid: string): string {
  if (oid === '1.3.6.1.5.5.7.3.1') return 'serverAuth';
  if (oid === '1.3.6.1.5.5.7.3.2') return 'clientAuth';
  return oid;
}

function statusAt(info: CertificateInfo, revoked: boolean, now: number): string {
  if (revoked) return 'revoked';
  if (now < info.notBefore.getTime()) return 'not-yet-valid';
  if (now > info.notAfter.getTime()) return 'expired';
  return 'valid';
}

export function register(program: Command): void {
  const certs = program
    .command('certs')
    .description('run the scheme certificate authority: create it, enrol by CSR (request, sign), issue, revoke, list and inspect certificates');
  registerEnrolment(certs);

  certs
    .command('init')
    .description('create a scheme CA (cert.pem, key.pem, revocations.json) in a new folder')
    .option('--dir <dir>', 'folder for the CA files', DEFAULT_CA_DIR)
    .option('--name <name>', 'CA name (subject CN)', 'Scheme CA')
    .option('--organisation <organisation>', 'scheme organisation (subject O, repeated in every certificate)')
    .option('--algorithm <algorithm>', 'P-256, Ed25519 or RSA-2048 and up', 'P-256')
    .option('--days <days>', 'validity in days', '3650')
    .option('--demonstration', 'mark the CA DEMONSTRATION ONLY (refused when NODE_ENV=production)', false)
    .action(async (options: { dir: string; name: string; organisation?: string; algorithm: string; days: string; demonstration: boolean }) => {
      const { ca } = await initCaDirectory(options.dir, {
        name: options.name,
        ...(options.organisation === undefined ? {} : { organisation: options.organisation }),
        algorithm: options.algorithm,
        validityDays: positiveInteger(options.days, '--days'),
        demonstration: options.demonstration,
      });
      print(`CA created in ${options.dir}`);
      describeLines(describeCertificate(ca.certificate)).forEach((line) => print(`  ${line}`));
      print(`  private key: ${path.join(options.dir, 'key.pem')} (keep it secret${ca.demonstration ? '; demonstration only' : ''})`);
    });

  certs
    .command('issue')
    .description('issue a certificate AND its private key (the demonstration set; a real agency enrols with certs request / certs sign)')
    .requiredOption('--kind <kind>', `one of ${CERTIFICATE_KINDS.join(', ')}`)
    .option('--id <id>', 'agency id (agency) or hub id (hub kinds; default isp-hub)')
    .option('--role <role>', 'agency role from policies/agencies.yaml (agency only)')
    .option('--algorithm <algorithm>', 'P-256, Ed25519, X25519 or RSA-2048 and up', 'P-256')
    .option('--days <days>', 'validity in days', '1825')
    .option('--dns <names>', 'comma-separated DNS names for the subject alternative name')
    .option('--ip <addresses>', 'comma-separated IP addresses for the subject alternative name')
    .option('--ca <dir>', 'CA folder', DEFAULT_CA_DIR)
    .option('--out <dir>', 'output folder (default: agencies/<id> or hub/ beside the CA folder)')
    .option('--encryption', "agency only: an encryption-only certificate, written as encryption-cert.pem, encryption-key.pem beside the main pair (always so for X25519)")
    .option('--p12 <file>', 'also write a PKCS#12 bundle (certificate, key and chain)')
    .option('--p12-password <password>', `password for the bundle (or set ${P12_PASSWORD_ENV})`)
    .action(
      async (options: {
        kind: string;
        encryption?: boolean;
        id?: string;
        role?: string;
        algorithm: string;
        days: string;
        dns?: string;
        ip?: string;
        ca: string;
        out?: string;
        p12?: string;
        p12Password?: string;
      }) => {
        const password = options.p12Password ?? process.env[P12_PASSWORD_ENV];
        if (options.p12 && !password) throw new HubError('BAD_REQUEST', `--p12 needs --p12-password or ${P12_PASSWORD_ENV}`);
        if (options.encryption && options.kind !== 'agency') throw new HubError('BAD_REQUEST', '--encryption is for agency certificates only');
        const { ca } = await loadCaDirectory(options.ca);
        const issued = await issueCertificate(ca, {
          kind: options.kind as CertificateKind,
          ...(options.id === undefined ? {} : { id: options.id }),
          ...(options.role === undefined ? {} : { role: options.role }),
          algorithm: options.algorithm,
          encryptionOnly: options.encryption === true,
          validityDays: positiveInteger(options.days, '--days'),
          dnsNames: commaList(options.dns),
          ipAddresses: commaList(options.ip),
        });
        const parent = path.dirname(path.resolve(options.ca));
        const info = describeCertificate(issued.certificate);
        const outDir = options.out ?? (issued.kind === 'agency' ? path.join(parent, 'agencies', info.subject.commonName) : path.join(parent, 'hub'));
        const written = await writeIssuedCertificate(outDir, issued, { asEncryption: options.encryption === true });
        await recordIssuedCertificate(options.ca, issued);
        print(`issued ${issued.kind} certificate ${issued.serialNumber}`);
        describeLines(info).forEach((line) => print(`  ${line}`));
        print(`  certificate: ${written.certificate}`);
        print(`  private key: ${written.privateKey ?? '(none)'}`);
        print(`  chain:       ${written.chain}`);
        if (written.previous) {
          print(`  the encryption pair it replaces is kept, so deliveries already sealed to it still open:`);
          print(`    ${written.previous.certificate}`);
          print(`    ${written.previous.privateKey}`);
        }
        if (options.p12 && password) {
          const bundle = toPkcs12({
            certificatePem: issued.certificatePem,
            privateKeyPem: issued.privateKeyPem ?? '',
            chainPem: issued.chainPem,
            password,
            friendlyName: info.subject.commonName,
          });
          await writeFile(options.p12, bundle, { mode: 0o600 });
          print(`  PKCS#12:     ${options.p12}`);
        }
      },
    );

  certs
    .command('revoke')
    .description('revoke a certificate by serial number (RFC 5280 s.5.3.1 reason)')
    .requiredOption('--serial <serial>', 'serial number in hexadecimal')
    .requiredOption('--reason <reason>', REVOCATION_REASONS.join(', '))
    .option('--ca <dir>', 'CA folder', DEFAULT_CA_DIR)
    .action(async (options: { serial: string; reason: string; ca: string }) => {
      const { revocations } = await loadCaDirectory(options.ca);
      const entry = await revocations.revoke(options.serial, options.reason);
      print(`revoked ${entry.serialNumber} (${entry.reason}) at ${entry.revokedAt}`);
      print('running hubs pick this up when they reload the revocation list');
    });

  certs
    .command('list')
    .description('list the certificates this CA issued (found as .pem files beside the CA folder) and those it revoked')
    .option('--ca <dir>', 'CA folder', DEFAULT_CA_DIR)
    .option('--root <dir>', 'folder to search for issued certificates (default: the parent of the CA folder)')
    .action(async (options: { ca: string; root?: string }) => {
      const { ca, revocations } = await loadCaDirectory(options.ca);
      const root = options.root ?? path.dirname(path.resolve(options.ca));
      const now = Date.now();
      const seen = new Map<string, { info: CertificateInfo; file: string }>();
      // A certificate also kept in the CA's issued/ record is listed by the file it was written to, if that is under root.
      const record = path.join(path.resolve(options.ca), ISSUED_RECORD_DIR);
      const inRecord = (file: string) => path.resolve(file).startsWith(record + path.sep);
      for (const { info, file } of await findIssuedCertificates(ca, root)) {
        const known = seen.get(info.serialNumber);
        if (!known || (inRecord(known.file) && !inRecord(file))) seen.set(info.serialNumber, { info, file: path.relative(process.cwd(), file) });
      }
      print(`issued by ${ca.certificate.subject.replace(/\n/g, ', ')}:`);
      print(['serial'.padEnd(34), 'kind'.padEnd(15), 'subject'.padEnd(34), 'not after'.padEnd(25), 'status'.padEnd(14), 'file'].join(' '));
      for (const { info, file } of [...seen.values()].sort((a, b) => a.file.localeCompare(b.file))) {
        const subject = `${info.subject.commonName}${info.subject.organisationalUnit ? `/${info.subject.organisationalUnit}` : ''}`;
        print(
          [
            info.serialNumber.padEnd(34),
            (info.kind ?? 'unknown').padEnd(15),
            subject.padEnd(34),
            info.notAfter.toISOString().padEnd(25),
            statusAt(info, revocations.isRevoked(info.serialNumber), now).padEnd(14),
            file,
          ].join(' '),
        );
      }
      const revoked = revocations.entries();
      print(`revoked (${revoked.length}):`);
      for (const entry of revoked) print(`${entry.serialNumber.padEnd(34)} ${entry.reason.padEnd(20)} ${entry.revokedAt}`);
    });

  certs
    .command('inspect')
    .description('show subject, issuer, serial, validity, key usage and thumbprint of each certificate in a PEM file')
    .argument('<file>', 'PEM file with one or more certificates')
    .option('--json', 'print JSON instead of text', false)
    .action(async (file: string, options: { json: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new HubError('NOT_FOUND', 'certificate file not found');
      }
      const infos = readCertificatesPem(text).map((certificate) => describeCertificate(certificate));
      if (options.json) {
        print(JSON.stringify(infos, null, 2));
        return;
      }
      infos.forEach((info, index) => {
        if (index > 0) print('');
        describeLines(info).forEach((line) => print(line));
      });
    });
}
