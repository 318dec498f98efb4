import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { PREVIOUS_KEYS_DIR, rotateEncryptionKeys } from '../../hub/index.js';
import { ISSUED_FILES, issueCertificate, keyAlgorithmOf, loadCaDirectory, readCertificatePem, writeIssuedCertificate } from '../../pki/index.js';

/**
 * `isp-hub keys rotate`: the hub's signing key and each of its encryption
 * keys (one per key type) are replaced, each by a new key of the same algorithm;
 * the current ones move to `previous/`. The hub still publishes the previous
 * signing key (/.well-known/jwks.json), so deliveries it signed before still
 * verify, and still decrypts with the previous encryption keys without
 * publishing them, so partners that cached an old encryption key keep working
 * until they refresh. Restart the hub processes one at a time afterwards;
 * rotate again only once partners have refreshed, since that drops the
 * oldest keys.
 */
export function register(program: Command): void {
  const keys = program.command('keys').description("manage the hub's own signing and encryption keys");
  keys
    .command('rotate')
    .description('issue new hub signing and encryption keys; keep the current ones as previous')
    .option('--dir <dir>', 'the hub key folder (HUB_CERT_DIR)', process.env['HUB_CERT_DIR'] ?? 'certs-example/hub')
    .option('--ca <dir>', 'the scheme CA folder that issues them', 'certs-example/ca')
    .option('--hub-id <id>', 'the hub id in the certificate subject', process.env['HUB_ID'] ?? 'isp-hub')
    .action(async (options: { dir: string; ca: string; hubId: string }) => {
      const { ca } = await loadCaDirectory(options.ca);
      const previous = path.join(options.dir, PREVIOUS_KEYS_DIR);
      await rm(previous, { recursive: true, force: true });
      await mkdir(previous, { recursive: true, mode: 0o700 });
      const rotated: Record<string, string | Record<string, string>> = {};
      for (const kind of ['hub-signing'] as const) {
        const files = ISSUED_FILES[kind];
        for (const name of [files.certificate, files.privateKey, files.chain]) await copyFile(path.join(options.dir, name), path.join(previous, name));
        // Like for like: a key is replaced by one of the same algorithm, not by the pki default.
        const current = readCertificatePem(await readFile(path.join(previous, files.certificate), 'utf8'));
        const issued = await issueCertificate(ca, { kind, id: options.hubId, algorithm: keyAlgorithmOf(current.publicKey) });
        await writeIssuedCertificate(options.dir, issued);
        rotated[kind] = issued.thumbprint;
      }
      rotated['hub-encryption'] = await rotateEncryptionKeys(options.dir, previous, ca, options.hubId);
      process.stdout.write(
        `${JSON.stringify({ rotated, previous, next: 'restart the hub processes one at a time; the previous signing key stays published, and the hub decrypts with the previous encryption keys, until the next rotation' }, null, 2)}\n`,
      );
    });
}
