import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { verifyCheckpoint, verifyConsistency, verifyFullLog, verifyInclusion, type Checkpoint } from '../../audit/index.js';
import { auditArchiveDir, hubSigningCertFile } from '../../audit/settings.js';
import { loadConfig } from '../../config/index.js';
import { HubError } from '../../errors.js';
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

async function verifyFiles(options: VerifyOptions, certificate: string): Promise<void> {
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
    verifyConsistency(proof, older, checkpoint);
    process.stdout.write(`consistency OK: the tree of size ${checkpoint.treeSize} extends the tree of size ${older.treeSize} unchanged\n`);
    return;
  }
  throw new HubError('AUDIT_PROOF_INVALID', 'the proof file is neither an inclusion nor a consistency proof');
}

async function verifyEverything(options: VerifyOptions, certificate: string, config: ReturnType<typeof loadConfig>): Promise<void> {
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
    .option('--cert <file>', 'the hub signing certificate (PEM); default $HUB_CERT_DIR/signing-cert.pem')
    .option('--checkpoint <file>', 'a checkpoint JWS file; with --full, one held outside the hub to check against')
    .option('--proof <file>', 'an inclusion or consistency proof (JSON, docs/audit-format.md)')
    .option('--entry <file>', 'the entry (JSON) an inclusion proof is for; otherwise the proof\'s leafHash is checked')
    .option('--old-checkpoint <file>', 'the older checkpoint of a consistency proof')
    .option('--full', 'recompute every leaf from the archive and Redis (REDIS_URL, Sentinel or Cluster settings, REDIS_KEY_PREFIX) against the signed checkpoints')
    .option('--archive-dir <dir>', 'the archive folder; default AUDIT_ARCHIVE_DIR or $DATA_DIR/audit-archive')
    .action(async (options: VerifyOptions) => {
      const config = loadConfig(process.env);
      const certificate = await readText(options.cert ?? hubSigningCertFile(config), 'hub certificate');
      if (options.full) await verifyEverything(options, certificate, config);
      else await verifyFiles(options, certificate);
    });
}
