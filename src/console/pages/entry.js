import { getJson, hubJwks } from '../api.js';
import { eventName, h, listOrNone, statusBox, timeElement } from '../dom.js';
import { checkEntryProof } from '../verify.js';
import { describeError } from './search.js';

function row(label, ...value) {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

export async function renderEntry(root, seqText) {
  const seq = Number(seqText);
  root.append(h('p', { class: 'breadcrumb' }, h('a', { href: '#/search' }, '← Back to search')));
  const heading = h('h1', { id: 'page-title', tabindex: '-1' }, `Audit entry ${seq}`);
  root.append(heading);
  let view;
  try {
    view = await getJson(`/v1/audit/entries/${seq}`);
  } catch (error) {
    root.append(statusBox('error', describeError(error)));
    return;
  }
  const { entry, explanation, recipients, proof, checkpoint } = view;
  const purpose = explanation.purpose;
  const proofSection = h('section', { class: 'card proof', 'aria-labelledby': 'proof-title' }, h('h2', { id: 'proof-title' }, 'Is this entry in the signed log?'));
  root.append(
    h('p', { class: 'lede' }, `${eventName(entry.event)} by ${explanation.agencyName ?? entry.agency}`, entry.decision ? [' — ', h('span', { class: `badge badge-${entry.decision}` }, entry.decision)] : null),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'who-title' },
        h('h2', { id: 'who-title' }, 'Who, what, when'),
        h(
          'dl',
          {},
          row('When', timeElement(entry.time)),
          row('Event', eventName(entry.event)),
          row('Agency', entry.agency, explanation.agencyName ? h('span', { class: 'muted' }, ` (${explanation.agencyName})`) : null),
          row('Person', entry.actor ? `${entry.actor.id}, ${entry.actor.role}` : h('span', { class: 'muted' }, 'not recorded')),
          row('Message', entry.messageType ? `${entry.messageType} ` : '', entry.messageId ? h('code', {}, entry.messageId) : h('span', { class: 'muted' }, 'none')),
          row('Subject', entry.subjectCategory ? `${explanation.subjectCategory?.title ?? entry.subjectCategory}` : h('span', { class: 'muted' }, 'category not recorded'), entry.isChild ? h('strong', { class: 'child-flag' }, ' · a child (under 18)') : null),
          row('Subject keys', listOrNone(entry.subjectKeys, 'none (no person)')),
          row('Outcome', entry.outcome ?? h('span', { class: 'muted' }, 'none')),
          row('Entry id', h('code', {}, entry.id)),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'why-title' },
        h('h2', { id: 'why-title' }, 'Why, and under which law'),
        h(
          'dl',
          {},
          row('Purpose', purpose ? [h('strong', {}, purpose.title ?? purpose.code), ' ', h('code', {}, purpose.code), purpose.description ? h('p', { class: 'muted' }, purpose.description) : null] : h('span', { class: 'muted' }, 'none')),
          row(
            'Legal basis',
            explanation.legalBases.length === 0
              ? h('span', { class: 'muted' }, 'none')
              : h('ul', { class: 'plain' }, explanation.legalBases.map((basis) => h('li', {}, h('strong', {}, basis.title ?? basis.code), basis.citation ? h('div', { class: 'citation' }, basis.citation) : null))),
          ),
          row(
            'Rule',
            explanation.rules.length === 0
              ? h('span', { class: 'muted' }, 'none (default deny)')
              : h('ul', { class: 'plain' }, explanation.rules.map((rule) => h('li', {}, h('code', {}, rule.id), rule.description ? h('div', {}, rule.description) : null))),
          ),
          row('Policy version', entry.policyVersion ? h('code', {}, entry.policyVersion.slice(0, 16)) : h('span', { class: 'muted' }, 'none')),
          row('Hub\'s reason', entry.reason ?? h('span', { class: 'muted' }, 'none')),
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'fields-title' },
        h('h2', { id: 'fields-title' }, 'Fields'),
        h('h3', {}, 'Disclosed'),
        listOrNone(entry.fieldsDisclosed),
        h('h3', {}, 'Withheld'),
        listOrNone(entry.fieldsWithheld),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'recipients-title' },
        h('h2', { id: 'recipients-title' }, 'Recipients'),
        recipients.length === 0
          ? h('p', { class: 'muted' }, 'No recipients.')
          : h(
              'table',
              {},
              h('caption', { class: 'visually-hidden' }, 'Recipients and delivery states'),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Agency'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Since'))),
              h(
                'tbody',
                {},
                recipients.map((recipient) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, recipient.agency, recipient.name ? h('div', { class: 'muted' }, recipient.name) : null),
                    h('td', {}, h('span', { class: `badge badge-${recipient.state}` }, recipient.state)),
                    h('td', {}, recipient.seq === null ? '' : [timeElement(recipient.time), ' ', h('a', { href: `#/entry/${recipient.seq}` }, `entry ${recipient.seq}`)]),
                  ),
                ),
              ),
            ),
      ),
    ),
    proofSection,
  );

  if (!proof || !checkpoint) {
    proofSection.append(statusBox('info', 'Not yet covered by a signed checkpoint. The hub signs one every few seconds; reload the page shortly.'));
    return;
  }
  const working = statusBox('info', 'Checking the proof in this browser…');
  proofSection.append(working);
  try {
    const result = await checkEntryProof({ entry, proof, checkpoint, jwks: await hubJwks() });
    working.replaceWith(
      statusBox(
        result.ok ? 'ok' : 'error',
        h('strong', { 'data-testid': 'proof-result' }, result.ok ? 'Verified' : 'Verification failed'),
        result.ok ? ` — this entry is entry ${entry.seq} of the ${proof.treeSize}-entry log the hub signed.` : ' — the entry as shown is not what the hub signed.',
      ),
      h('ol', { class: 'checks' }, result.checks.map((check) => h('li', { class: check.ok ? 'check-ok' : 'check-fail' }, h('span', { class: 'check-mark', 'aria-hidden': 'true' }, check.ok ? '✓' : '✗'), h('span', { class: 'visually-hidden' }, check.ok ? 'Passed: ' : 'Failed: '), h('strong', {}, check.label), h('div', { class: 'detail' }, check.detail)))),
    );
  } catch (error) {
    working.replaceWith(statusBox('error', `The proof could not be checked: ${describeError(error)}`));
  }
}
