import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/support/cli.js';
import { EXAMPLE_ENTRIES, formatExample } from './format-example.js';
import type { Checkpoint } from './verify/checkpoint.js';
import { canonicalBytes } from './verify/hashing.js';
import { verifyConsistency, verifyInclusion } from './verify/proofs.js';

describe('docs/audit-format.md worked example', () => {
  it('shows exactly the bytes and hashes the code produces, and its proofs verify', async () => {
    const document = await readFile(path.join(repoRoot, 'docs/audit-format.md'), 'utf8');
    const example = formatExample();
    for (const text of example.canonical) expect(document).toContain(`\n${text}\n`);
    for (const leaf of example.leaves) expect(document).toContain(`\`${leaf}\``);
    expect(document).toContain(`\`${example.root2.toString('hex')}\``);
    expect(document).toContain(`\`${example.root3.toString('hex')}\``);
    expect(document).toContain(JSON.stringify(example.inclusion));
    expect(document).toContain(JSON.stringify(example.consistency));
    const payload = { origin: 'isp-hub', rootHash: example.root3.toString('base64'), time: '2024-05-01T09:00:01.000Z', treeSize: 3 };
    expect(document).toContain(canonicalBytes(payload).toString('utf8'));

    const checkpoint = (treeSize: number, root: Buffer): Checkpoint => ({ origin: 'isp-hub', treeSize, rootHash: root.toString('base64'), time: payload.time });
    expect(verifyInclusion(EXAMPLE_ENTRIES[1]!, example.inclusion, checkpoint(3, example.root3))).toBe(true);
    expect(verifyConsistency(example.consistency, checkpoint(2, example.root2), checkpoint(3, example.root3))).toBe(true);
  });
});
