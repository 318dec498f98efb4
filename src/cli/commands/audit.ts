import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readHubCertificates, verifyCheckpoint, verifyConsistency, verifyFullLog, verifyInclusion, type Checkpoint } from '../../audit/index.js';
import { auditArchiveDir, hubSigningCertFile } from '../../audit/settings.js';
import { loadConfig } from '../../config/index.js';
import { HubError } from '../../errors.js';
import { createTrustStore, readCertificatesPem } from '../../pki/index.js';
import { cliRedisTarget } from '../../hub/redis-connection.js';
import { connectRedis } from '../../redis/index.js';

/**
 * `isp-hub audit verify`: what a DPO or auditor runs, trusting only the hub's
 * signing certificate. Without --full it checks files it is given (a
 * checkpoint, and an inclusion or consistency proof); with --full it reads
 * the whole log from Redis (REDIS_URL, Sentinel or Cluster settings, and
 * REDIS_KEY_PREFIX) and the archive.
 */

interface VerifyOptions {
  cert?: string;
  checkpoint?: string;
  oldCheckpoint?: string;
  proof?: string;
  entry?: string;
  full?: boolean;
  archiveDir?: string;
}

/** The `audit` command group, shared with the search commands (src/audit/search). */
export function auditGroup(program: Command): Command {
  return program.commands.find((command) => command.name() === 'audit') ?? program.command('audit').description('the tamper-evident audit log');
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new HubError('BAD_REQUEST', `cannot read the ${what} file ${file}`);
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readText(file, what));
  } catch (error) {
    if (error instanceof HubError) throw error;
    throw new HubError('BAD_REQUEST', `the ${what} file ${file} is not JSON`);
  }
}

function describe(checkpoint: Checkpoint): string {
  return `size ${checkpoint.treeSize}, root ${checkpoint.rootHash}, signed ${checkpoint.time} by ${checkpoint.origin}`;
}

/**
 * The certificates to check checkpoints against: a PEM file (one
 * certificate or a bundle), or the JSON the hub publishes at
 * /.well-known/audit-signing-certificates.json (every certificate it has
 * signed with), whose certificates must each chain to the scheme CA
 * (CA_CERT). Without --cert: the current and previous signing certificates
 * in HUB_CERT_DIR.
 */
async function loadCertificates(file: string | undefined, config: ReturnType<typeof loadConfig>): Promise<X509Certificate[]> {
  if (!file) {
    const current = hubSigningCertFile(config);
    const previous = path.join(path.dirname(current), 'previous', path.basename(current));
    const files = [current, ...(existsSync(previous) ? [previous] : [])];
    return (await Promise.all(files.map((name) => readText(name, 'hub certificate')))).flatMap((text) => readHubCertificates(text));
  }
  const text = await readText(file, 'hub certificate');
  if (!text.startsWith('{')) return readHubCertificates(text);
  let published: { certificates?: Array<{ x5c?: unknown }> };
  try {
    published = JSON.parse(text) as typeof published;
  } catch {
    throw new HubError('BAD_REQUEST', `the certificate file ${file} is neither PEM nor the hub's published certificate history`);
  }
  const certificates = (published.certificates ?? []).map((record) => (Array.isArray(record.x5c) ? record.x5c[0] : undefined));
  if (certificates.length === 0 || certificates.some((der) => typeof der !== 'string')) {
    throw new HubError('BAD_REQUEST', `the certificate history ${file} lists no certificates (expected { certificates: [{ x5c: [base64 DER] }] })`);
  }
  let parsed: X509Certificate[];
  try {
    parsed = certificates.map((der) => new X509Certificate(Buffer.from(der as string, 'base64')));
  } catch {
    throw new HubError('CERT_MALFORMED', `a certificate in ${file} cannot be read`);
  }
  // The history comes from the hub: each certificate counts only if the scheme CA issued it for signing.
  // Judged at its own start of validity: a retired key may have expired since, its checkpoints stay valid.
  const trust = createTrustStore({ caCertificates: readCertificatesPem(await readText(config.CA_CERT, 'scheme CA certificate')) });
  for (const certificate of parsed) {
    try {
      trust.verify(certificate, { usage: 'signing', at: new Date(new Date(certificate.validFrom).getTime() + 1000) });
    } catch (error) {
      const code = error instanceof HubError ? error.code : 'CERT_UNTRUSTED_ISSUER';
      throw new HubError(code, `a certificate in ${file} is not a hub signing certificate of the scheme CA (CA_CERT ${config.CA_CERT})`);
    }
  }
  return parsed;
}

async function verifyFiles(options: VerifyOptions, certificate: X509Certificate[]): Promise<void> {
  if (!options.checkpoint) throw new HubError('BAD_REQUEST', 'give --checkpoint <file> (with --proof), or --full');
  const checkpoint = await verifyCheckpoint(await readText(options.checkpoint, 'checkpoint'), certificate);
  process.stdout.write(`checkpoint OK: ${describe(checkpoint)}\n`);
  if (!options.proof) return;
  const proof = (await readJson(options.proof, 'proof')) as { type?: unknown };
  if (proof.type === 'inclusion') {
    const leafOrEntry = options.entry
      ? ((await readJson(options.entry, 'entry')) as Parameters<typeof verifyInclusion>[0])
      : Buffer.from(String((proof as { leafHash?: unknown }).leafHash ?? ''), 'base64');
    verifyInclusion(leafOrEntry, proof, checkpoint);
    const { leafIndex } = proof as { leafIndex: number };
    process.stdout.write(`inclusion OK: ${options.entry ? 'the entry' : 'the leaf'} at seq ${leafIndex} is in the tree of size ${checkpoint.treeSize}\n`);
    return;
  }
  if (proof.type === 'consistency') {
    if (!options.oldCheckpoint) throw new HubError('BAD_REQUEST', 'a consistency proof needs --old-checkpoint <file>');
    const older = await verifyCheckpoint(await readText(options.oldCheckpoint, 'old checkpoint'), certificate);
    try {
      verifyConsistency(proof, older, checkpoint);
    } catch (error) {
      // Both checkpoints carry valid hub signatures, so this is not tampering with one of them: the hub signed a fork.
      const reason = error instanceof HubError ? error.message : 'the proof does not hold';
      throw new HubError(
        'AUDIT_PROOF_INVALID',
        `fork: the signed tree of size ${checkpoint.treeSize} does not extend the signed tree of size ${older.treeSize} (${reason}); the hub's log was rolled back or forked (docs/operations.md)`,
        { reason: 'fork', olderSize: older.treeSize, newerSize: checkpoint.treeSize },
      );
    }
    process.stdout.write(`consistency OK: the tree of size ${checkpoint.treeSize} extends the tree of size ${older.treeSize} unchanged\n`);
    return;
  }
  throw new HubError('AUDIT_PROOF_INVALID', 'the proof file is neither an inclusion nor a consistency proof');
}

async function verifyEverything(options: VerifyOptions, certificate: X509Certificate[], config: ReturnType<typeof loadConfig>): Promise<void> {
  const target = await cliRedisTarget(config, 'verify --full');
  const extraCheckpoints = options.checkpoint ? [await readText(options.checkpoint, 'checkpoint')] : [];
  const redis = connectRedis(target, { connectionName: 'isp-hub-audit-verify' });
  let lastShown = 0;
  try {
    const report = await verifyFullLog({
      redis,
      prefix: config.REDIS_KEY_PREFIX,
      archiveDir: options.archiveDir ?? auditArchiveDir(config),
      hubCertificate: certificate,
      extraCheckpoints,
      onProgress: (checked, total) => {
        const now = Date.now();
        if (now - lastShown < 500 && checked < total) return;
        lastShown = now;
        const percent = total === 0 ? 100 : Math.floor((checked / total) * 100);
        process.stderr.write(`verified ${checked}/${total} entries (${percent}%)\n`);
      },
    });
    if (report.ok) {
      const against = report.latestCheckpoint ? `the checkpoint of ${describe(report.latestCheckpoint)}` : 'no checkpoint (empty log)';
      process.stdout.write(`OK: ${report.checkedEntries} entries (${report.archivedUpTo} archived) match ${against}\n`);
      return;
    }
    const problem = report.problem!;
    const named = problem.seq !== undefined ? ` at seq ${problem.seq}${problem.id ? ` (id ${problem.id})` : ''}` : '';
    process.stdout.write(`FAILED: ${problem.kind}${named}: ${problem.message}\n`);
    process.stdout.write(`${report.checkedEntries} entries matched before the first problem\n`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
  }
}

export function register(program: Command): void {
  auditGroup(program)
    .command('verify')
    .description('verify a signed checkpoint and a proof, or (--full) every entry of the log, trusting only the hub certificate')
    .option('--cert <file>', 'the hub signing certificates: PEM (one or a bundle) or the published /.well-known/audit-signing-certificates.json; default the current and previous in $HUB_CERT_DIR')
    .option('--checkpoint <file>', 'a checkpoint JWS file; with --full, one held outside the hub to check against')
    .option('--proof <file>', 'an inclusion or consistency proof (JSON, docs/audit-format.md)')
    .option('--entry <file>', 'the entry (JSON) an inclusion proof is for; otherwise the proof\'s leafHash is checked')
    .option('--old-checkpoint <file>', 'the older checkpoint of a consistency proof')
    .option('--full', 'recompute every leaf from the archive and Redis (REDIS_URL, Sentinel or Cluster settings, REDIS_KEY_PREFIX) against the signed checkpoints')
    .option('--archive-dir <dir>', 'the archive folder; default AUDIT_ARCHIVE_DIR or $DATA_DIR/audit-archive')
    .action(async (options: VerifyOptions) => {
      const config = loadConfig(process.env);
      const certificate = await loadCertificates(options.cert, config);
      if (options.full) await verifyEverything(options, certificate, config);
      else await verifyFiles(options, certificate);
    });
}
