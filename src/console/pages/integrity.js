import { getJson, hubJwks, postJson } from '../api.js';
import { clear, h, statusBox, timeElement } from '../dom.js';
import { base64ToBytes, bytesToHex, checkConsistency, verifyCheckpointJws } from '../verify.js';
import { describeError } from './search.js';

// Once a second: polls count against the DPO's rate limit (DPO_RATE_LIMIT_PER_MINUTE) like every call.
const POLL_MS = 1000;

function checksList(checks) {
  return h(
    'ol',
    { class: 'checks' },
    checks.map((check) =>
      h(
        'li',
        { class: check.ok ? 'check-ok' : 'check-fail' },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, check.ok ? '✓' : '✗'),
        h('span', { class: 'visually-hidden' }, check.ok ? 'Passed: ' : 'Failed: '),
        h('strong', {}, check.label),
        h('div', { class: 'detail' }, check.detail),
      ),
    ),
  );
}

export async function renderIntegrity(root) {
  const latestSection = h('section', { class: 'card', 'aria-labelledby': 'latest-title' }, h('h2', { id: 'latest-title' }, 'Latest signed checkpoint'));
  const consistencySection = h('section', { class: 'card', 'aria-labelledby': 'consistency-title' }, h('h2', { id: 'consistency-title' }, 'Consistent with the previous checkpoint?'));
  const fullSection = h('section', { class: 'card', 'aria-labelledby': 'full-title' }, h('h2', { id: 'full-title' }, 'Full verification'));
  root.append(
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Integrity of the audit log'),
    h('p', { class: 'lede' }, 'The hub signs the size and Merkle root of its log at intervals. This page checks those signatures and proofs itself, in your browser, with the hub\'s published key.'),
    latestSection,
    consistencySection,
    fullSection,
  );
  renderFull(fullSection);

  let latest;
  let jwks;
  try {
    [latest, jwks] = await Promise.all([getJson('/v1/audit/checkpoints/latest'), hubJwks()]);
  } catch (error) {
    latestSection.append(statusBox(error?.code === 'AUDIT_CHECKPOINT_NOT_FOUND' ? 'info' : 'error', error?.code === 'AUDIT_CHECKPOINT_NOT_FOUND' ? 'No checkpoint has been signed yet.' : describeError(error)));
    return;
  }
  const signature = await verifyCheckpointJws(latest.jws, jwks);
  latestSection.append(
    h(
      'dl',
      {},
      h('dt', {}, 'Entries covered'),
      h('dd', { 'data-testid': 'latest-size' }, String(latest.checkpoint.treeSize)),
      h('dt', {}, 'Merkle root (SHA-256)'),
      h('dd', {}, h('code', { class: 'hash' }, bytesToHex(base64ToBytes(latest.checkpoint.rootHash)))),
      h('dt', {}, 'Signed at'),
      h('dd', {}, timeElement(latest.checkpoint.time)),
      h('dt', {}, 'Log'),
      h('dd', {}, latest.checkpoint.origin),
    ),
    statusBox(signature.ok ? 'ok' : 'error', h('strong', {}, signature.ok ? 'Signature verified' : 'Signature NOT valid'), signature.ok ? ' with the hub signing key published at /.well-known/jwks.json.' : ` — ${signature.reason}`),
  );

  if (!latest.previous) {
    consistencySection.append(statusBox('info', 'This is the first checkpoint: there is nothing earlier to compare with.'));
    return;
  }
  try {
    const proof = await getJson('/v1/audit/proofs/consistency', { from: latest.previous.checkpoint.treeSize, to: latest.checkpoint.treeSize });
    const result = await checkConsistency({ older: latest.previous, newer: latest, proof, jwks });
    consistencySection.append(
      statusBox(result.ok ? 'ok' : 'error', h('strong', { 'data-testid': 'consistency-result' }, result.ok ? 'Consistent' : 'NOT consistent'), ` — from ${latest.previous.checkpoint.treeSize} to ${latest.checkpoint.treeSize} entries.`),
      checksList(result.checks),
    );
  } catch (error) {
    consistencySection.append(statusBox('error', `The consistency proof could not be checked: ${describeError(error)}`));
  }
}

function renderFull(section) {
  const progress = h('progress', { id: 'verify-progress', max: '100', value: '0', 'aria-describedby': 'verify-progress-text' });
  const progressText = h('p', { id: 'verify-progress-text', 'aria-live': 'polite' }, 'Not started.');
  const outcome = h('div', { 'aria-live': 'polite' });
  const start = h('button', { type: 'button', class: 'primary' }, 'Verify every entry');
  start.addEventListener('click', async () => {
    start.disabled = true;
    clear(outcome);
    try {
      let job = await postJson('/v1/audit/verify');
      while (job.state === 'running') {
        show(job);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (!section.isConnected) return;
        job = await getJson(`/v1/audit/verify/${job.id}`);
      }
      show(job);
      outcome.append(finished(job));
    } catch (error) {
      outcome.append(statusBox('error', describeError(error)));
    } finally {
      start.disabled = false;
    }
  });
  const show = (job) => {
    const percent = job.total > 0 ? Math.floor((job.checked / job.total) * 100) : job.state === 'running' ? 0 : 100;
    progress.value = percent;
    progressText.textContent = `${job.checked.toLocaleString('en-GB')} of ${job.total.toLocaleString('en-GB')} entries checked (${percent}%).`;
  };
  section.append(
    h('p', {}, 'Recomputes every entry\'s leaf hash from the archive and Redis, rebuilds the tree and compares it with every signed checkpoint. It names the first entry that does not match.'),
    start,
    h('div', { class: 'progress' }, h('label', { for: 'verify-progress' }, 'Progress'), progress),
    progressText,
    outcome,
  );
}

function finished(job) {
  if (job.state === 'passed') return statusBox('ok', h('strong', { 'data-testid': 'verify-result' }, 'The log is intact'), ` — all ${job.checked.toLocaleString('en-GB')} entries match the signed checkpoints.`);
  const problem = job.problem ?? { message: 'verification failed' };
  return statusBox(
    'error',
    h('strong', { 'data-testid': 'verify-result' }, job.state === 'error' ? 'Verification could not finish' : 'The log has been changed'),
    h('p', {}, problem.message),
    problem.seq !== undefined
      ? h('p', { 'data-testid': 'first-bad' }, 'First bad entry: ', h('a', { href: `#/entry/${problem.seq}` }, `entry ${problem.seq}`), problem.id ? [' (', h('code', {}, problem.id), ')'] : null)
      : null,
  );
}
