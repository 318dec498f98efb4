import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { claimsContract, claimsContractTable, DEFAULT_CLAIMS_CONTRACT_SETTINGS } from './claims-contract.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/envelope.md');

describe('the claims contract', () => {
  it('docs/envelope.md carries the table the hub publishes, for the default settings', async () => {
    expect(await readFile(docs, 'utf8')).toContain(claimsContractTable(DEFAULT_CLAIMS_CONTRACT_SETTINGS));
  });

  it('the documented defaults are the configuration defaults', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(DEFAULT_CLAIMS_CONTRACT_SETTINGS).toEqual({
      hubId: config.HUB_ID,
      clockSkewSeconds: config.CLOCK_SKEW_SECONDS,
      maxLifetimeSeconds: config.MAX_MESSAGE_LIFETIME_SECONDS,
      replayWindowSeconds: config.REPLAY_WINDOW_SECONDS,
    });
  });

  it('states each claim once, with the settings in force', () => {
    const rows = claimsContract({ hubId: 'northvale-hub', clockSkewSeconds: 30, maxLifetimeSeconds: 900, replayWindowSeconds: 86400 });
    expect(rows.map((row) => row.claim)).toEqual(['iss', 'aud', 'iat', 'exp', 'jti', 'to']);
    const text = JSON.stringify(rows);
    for (const value of ['`northvale-hub`', '(30 s)', '(900 s)', '(86400 s)']) expect(text).toContain(value);
  });
});
