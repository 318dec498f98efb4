import { describe, expect, it } from 'vitest';
import { runIspHub } from '../../test/support/cli.js';
import { findFreePort } from '../redis/index.js';

describe('isp-hub CLI errors', () => {
  it('says in one line, without a stack trace, that no hub is listening', async () => {
    const port = await findFreePort();
    const result = await runIspHub(['send', '--as', 'nv-police', '--file', 'policies/examples/arrest-notification.json', '--hub', `https://127.0.0.1:${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`isp-hub: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
