import { auditEntrySchema, type AuditEntry } from './entry.js';
import { canonicalBytes, leafHash } from './verify/hashing.js';
import { MerkleFrontier, consistencyPath, inclusionPath, rootHash, type BlockReader } from './verify/merkle.js';

/**
 * The worked example of docs/audit-format.md, computed by the code itself:
 * format-doc.test.ts fails if the document and the code ever disagree.
 */
export const EXAMPLE_ENTRIES: AuditEntry[] = [
  {
    seq: 0,
    id: 'ae_example0000000000',
    time: '2024-05-01T09:00:00.000Z',
    event: 'collection',
    agency: 'northvale-police',
    actor: { id: 'pc-1042', role: 'custody-officer' },
    subjectKeys: ['5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592'],
    subjectCategory: 'suspect',
    messageId: 'msg-0001',
    messageType: 'arrest-notification',
    purpose: 'ppo-offender-management',
    legalBases: [],
    ruleIds: [],
    fieldsDisclosed: [],
    fieldsWithheld: [],
    recipients: [],
    outcome: 'accepted',
  },
  {
    seq: 1,
    id: 'ae_example0000000001',
    time: '2024-05-01T09:00:00.120Z',
    event: 'disclosure',
    agency: 'northvale-police',
    actor: { id: 'pc-1042', role: 'custody-officer' },
    subjectKeys: ['5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592'],
    subjectCategory: 'suspect',
    isChild: false,
    messageId: 'msg-0001',
    messageType: 'arrest-notification',
    purpose: 'ppo-offender-management',
    legalBases: ['dpa2018-s35'],
    ruleIds: ['ppo-arrest-to-probation'],
    policyVersion: '9f86d081884c7d65',
    decision: 'permit',
    fieldsDisclosed: ['subject.pnc', 'event.offenceCode'],
    fieldsWithheld: ['subject.address'],
    recipients: ['northvale-probation'],
    outcome: 'queued',
  },
  {
    seq: 2,
    id: 'ae_example0000000002',
    time: '2024-05-01T09:00:00.121Z',
    event: 'refusal',
    agency: 'northvale-police',
    subjectKeys: ['5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592'],
    messageId: 'msg-0001',
    purpose: 'ppo-offender-management',
    legalBases: [],
    ruleIds: ['default-deny'],
    decision: 'deny',
    fieldsDisclosed: [],
    fieldsWithheld: [],
    recipients: ['northvale-housing'],
    outcome: 'denied',
  },
].map((entry) => auditEntrySchema.parse(entry));

export function formatExample() {
  const canonical = EXAMPLE_ENTRIES.map((entry) => canonicalBytes(entry).toString('utf8'));
  const leaves = canonical.map((text) => leafHash(Buffer.from(text, 'utf8')));
  const blocks = new Map<string, Buffer>();
  const frontier = new MerkleFrontier();
  for (const leaf of leaves) frontier.append(leaf, (level, index, hash) => blocks.set(`${level}:${index}`, hash));
  const read: BlockReader = (level, index) => blocks.get(`${level}:${index}`) as Buffer;
  return {
    canonical,
    leaves: leaves.map((hash) => hash.toString('hex')),
    node01: (blocks.get('1:0') as Buffer).toString('hex'),
    root2: rootHash(2, read),
    root3: rootHash(3, read),
    inclusion: { type: 'inclusion', leafIndex: 1, treeSize: 3, leafHash: (leaves[1] as Buffer).toString('base64'), path: inclusionPath(1, 3, read).map((hash) => hash.toString('base64')) },
    consistency: { type: 'consistency', firstSize: 2, secondSize: 3, path: consistencyPath(2, 3, read).map((hash) => hash.toString('base64')) },
  };
}
