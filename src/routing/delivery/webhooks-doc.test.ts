import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { DEFAULT_MAX_BACKOFF_MS } from './backoff.js';
import { MESSAGE_ID_HEADER, REDELIVERY_HEADER } from './delivery-processor.js';

const doc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/webhooks.md');

describe('docs/webhooks.md', () => {
  it('names the headers and the defaults the code uses', async () => {
    const text = await readFile(doc, 'utf8');
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(text).toContain(`| \`${MESSAGE_ID_HEADER}\` |`);
    expect(text).toContain(`| \`${REDELIVERY_HEADER}\` |`);
    expect(text).toContain(`\`DELIVERY_ATTEMPTS\` attempts (default ${config.DELIVERY_ATTEMPTS})`);
    expect(text).toContain(`\`DELIVERY_TIMEOUT_MS\` (default ${config.DELIVERY_TIMEOUT_MS.toLocaleString('en-GB').replace(',', ' ')} ms)`);
    expect(text).toContain(`(\`DELIVERY_BACKOFF_MS\` ${config.DELIVERY_BACKOFF_MS})`);
    expect(text).toContain(`min(${DEFAULT_MAX_BACKOFF_MS / 60_000} min,`);
  });
});
