import { isIP } from 'node:net';
import { HubError } from '../errors.js';
import { configSchema, type HubConfig } from './schema.js';

/**
 * Parse the environment once, at start-up. The result is frozen so nothing
 * can change a setting behind the hub's back. A bad value stops start-up with
 * a message that names the variable (but never echoes its value: it may be a
 * secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const relevant = pickKnownVariables(env);
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new HubError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((issue) => issue.path.join('.')),
    });
  }
  const config = parsed.data;
  enforceConsistency(config);
  enforceProductionRules(config);
  return Object.freeze(config);
}

/** Empty strings count as unset, as shells and compose files often leave them. */
function pickKnownVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(configSchema.shape)) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** Settings that bound one another. */
function enforceConsistency(config: HubConfig): void {
  if (config.PORT !== 0 && metricsPortOf(config) === config.PORT) {
    throw new HubError('CONFIG_INVALID', 'invalid configuration: METRICS_PORT must differ from PORT (metrics are never served on the API port)', {
      variables: ['METRICS_PORT', 'PORT'],
    });
  }
  if (!isLoopback(config.METRICS_HOST) && !config.METRICS_TOKEN) {
    // Metrics show sharing volumes per rule (children's included): off the machine only with a scrape credential.
    throw new HubError('CONFIG_INVALID', 'invalid configuration: METRICS_TOKEN must be set when METRICS_HOST is not a loopback address', {
      variables: ['METRICS_HOST', 'METRICS_TOKEN'],
    });
  }
  if (config.DPO_TOKEN_TTL_SECONDS > config.DPO_TOKEN_MAX_LIFETIME_SECONDS) {
    // The embedded issuer would mint tokens the hub itself refuses.
    throw new HubError('CONFIG_INVALID', 'invalid configuration: DPO_TOKEN_TTL_SECONDS must not exceed DPO_TOKEN_MAX_LIFETIME_SECONDS', {
      variables: ['DPO_TOKEN_TTL_SECONDS', 'DPO_TOKEN_MAX_LIFETIME_SECONDS'],
    });
  }
}

/** Loopback: 127.0.0.0/8, ::1 and `localhost`. */
function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  return isIP(host) === 4 ? host.startsWith('127.') : host === '::1';
}

/** The port metrics are served on: METRICS_PORT, else 9464 (a free one when the API itself takes a free port). */
export function metricsPortOf(config: Pick<HubConfig, 'METRICS_PORT' | 'PORT'>): number {
  return config.METRICS_PORT ?? (config.PORT === 0 ? 0 : DEFAULT_METRICS_PORT);
}
export const DEFAULT_METRICS_PORT = 9464;

/** Secrets have no defaults in production: fail closed rather than run with demo keys. */
function enforceProductionRules(config: HubConfig): void {
  if (config.NODE_ENV !== 'production') return;
  const missing = (['SUBJECT_KEY_SECRET', 'FLAG_ENCRYPTION_KEY'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new HubError('CONFIG_INVALID', `invalid configuration: ${missing.join(', ')} must be set when NODE_ENV=production`, {
      variables: missing,
    });
  }
  if (config.ALLOW_DEMO_CERTS) {
    throw new HubError('CONFIG_INVALID', 'invalid configuration: ALLOW_DEMO_CERTS cannot be set when NODE_ENV=production', {
      variables: ['ALLOW_DEMO_CERTS'],
    });
  }
}
