/**
 * Exponential backoff with "equal jitter": half of the exponential step is
 * kept, the other half is random. The fixed half keeps retries from hammering
 * a recipient that is down; the random half spreads the retries of many
 * deliveries that failed together (a recipient's outage fails all of them at
 * once) so they do not come back as one burst.
 */

export const BACKOFF_TYPE = 'isp-jitter';

export interface BackoffSettings {
  /** DELIVERY_BACKOFF_MS: the first step. */
  baseMs: number;
  /** The longest wait between two attempts. */
  maxMs: number;
}

export const DEFAULT_MAX_BACKOFF_MS = 15 * 60_000;

/**
 * The wait before the next attempt after `attemptsMade` failures (1 after the
 * first failure). `random` returns a number in [0, 1).
 */
export function jitteredBackoff(attemptsMade: number, settings: BackoffSettings, random: () => number = Math.random): number {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new TypeError('attemptsMade must be a positive integer');
  const exponent = Math.min(attemptsMade - 1, 30);
  const step = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  const half = step / 2;
  return Math.round(half + random() * half);
}
