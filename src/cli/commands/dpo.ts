import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../../config/index.js';
import { embeddedDpoIssuerUrl, loadOrCreateEmbeddedDpoIssuer } from '../../dpo/index.js';
import { HubError } from '../../errors.js';
import { loadRegistry } from '../../registry/index.js';

/**
 * `isp-hub dpo token`: a short-lived sign-in link for the DPO console, signed
 * by the embedded issuer (the key under DATA_DIR that the hub verifies with).
 * The token travels in the URL fragment, which browsers never send to a
 * server (RFC 3986 s.3.5), and the console moves it to sessionStorage at once.
 */
export function register(program: Command): void {
  const dpo = program.command('dpo').description('DPO console sign-in');
  dpo
    .command('token')
    .description('print a short-lived sign-in link for the DPO console')
    .requiredOption('--agency <id>', 'the DPO\'s agency (an id from policies/agencies.yaml)')
    .requiredOption('--name <name>', 'the DPO\'s name, as the audit log will show it')
    .option('--scheme-dpo', 'the scheme DPO: sees every agency\'s entries')
    .option('--scheme-manager', 'a scheme manager: sees the scheme returns and nothing of the audit log')
    .option('--ttl <seconds>', 'lifetime of the token (default DPO_TOKEN_TTL_SECONDS)')
    .option('--url <base>', 'the hub\'s address as the browser reaches it (default https://HOST:PORT)')
    .option('--json', 'print { url, token, expiresAt } as JSON')
    .action(async (options: { agency: string; name: string; schemeDpo?: boolean; schemeManager?: boolean; ttl?: string; url?: string; json?: boolean }) => {
      if (options.schemeDpo && options.schemeManager) throw new HubError('BAD_REQUEST', 'give at most one of --scheme-dpo and --scheme-manager');
      const config = loadConfig(process.env);
      if (config.DPO_ISSUER || config.DPO_JWKS_URL) {
        throw new HubError('CONFIG_INVALID', 'DPO tokens come from the configured issuer (DPO_ISSUER); the embedded issuer is off');
      }
      const registry = await loadRegistry(path.join(config.POLICY_DIR, 'agencies.yaml'));
      registry.require(options.agency);
      const name = options.name.trim();
      if (name.length < 1 || name.length > 200) throw new HubError('BAD_REQUEST', '--name must be 1 to 200 characters');
      const ttlSeconds = options.ttl === undefined ? config.DPO_TOKEN_TTL_SECONDS : Number(options.ttl);
      // The hub refuses a token living longer than DPO_TOKEN_MAX_LIFETIME_SECONDS, so none is minted.
      const maxTtl = config.DPO_TOKEN_MAX_LIFETIME_SECONDS;
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > maxTtl) {
        throw new HubError('BAD_REQUEST', `--ttl must be a whole number of seconds from 60 to ${maxTtl} (DPO_TOKEN_MAX_LIFETIME_SECONDS)`);
      }
      const base = options.url ?? `https://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
      if (!/^https:\/\/[^/?#\s]+$/.test(base.replace(/\/$/, ''))) throw new HubError('BAD_REQUEST', '--url must be an https origin such as https://hub.example:8443');
      const issuer = await loadOrCreateEmbeddedDpoIssuer(config.DATA_DIR, embeddedDpoIssuerUrl(config.HUB_ID));
      const token = await issuer.issue({
        agencyId: options.agency,
        name,
        schemeDpo: options.schemeDpo === true,
        schemeManager: options.schemeManager === true,
        ttlSeconds,
        audience: config.DPO_AUDIENCE,
      });
      const url = `${base.replace(/\/$/, '')}/console/#token=${token}`;
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ url, token, expiresAt })}\n`);
      } else {
        process.stdout.write(`${url}\n`);
        process.stderr.write(`isp-hub: sign-in link for ${options.schemeManager ? 'a scheme manager' : options.schemeDpo ? 'the scheme DPO' : `a DPO of ${options.agency}`}, valid until ${expiresAt}\n`);
      }
    });
}
