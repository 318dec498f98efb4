import { getJson } from '../api.js';
import { clear, eventName, EVENTS, field, h, IDENTIFIER_KINDS, statusBox, timeElement } from '../dom.js';

const PAGE_SIZE = 25;
// Kept in memory only (not in the URL): a subject identifier is personal data
// and must not end up in the browser history.
const state = { filter: {}, cursors: [undefined], page: 0, result: null };

function select(id, name, options, value) {
  return h('select', { id, name }, options.map(([optionValue, label]) => h('option', { value: optionValue, selected: optionValue === value }, label)));
}

function input(id, name, type, value, extra = {}) {
  return h('input', { id, name, type, value: value ?? '', ...extra });
}

/** Date inputs give days; the API wants instants (UTC day bounds, inclusive). */
function toQuery(filter) {
  return {
    'subject.kind': filter.subjectValue ? filter.subjectKind : undefined,
    'subject.value': filter.subjectValue || undefined,
    agency: filter.agency || undefined,
    actor: filter.actor || undefined,
    purpose: filter.purpose || undefined,
    event: filter.event || undefined,
    decision: filter.decision || undefined,
    from: filter.from ? `${filter.from}T00:00:00.000Z` : undefined,
    to: filter.to ? `${filter.to}T23:59:59.999Z` : undefined,
  };
}

export async function renderSearch(root) {
  const f = state.filter;
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'search-form-title', novalidate: true },
    h('h2', { id: 'search-form-title', class: 'visually-hidden' }, 'Filters'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Whose data'),
      field('Identifier kind', select('f-kind', 'kind', IDENTIFIER_KINDS, f.subjectKind ?? 'pnc')),
      field('Identifier', input('f-value', 'value', 'text', f.subjectValue, { autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'f-value-hint' }), 'e.g. a PNC number; it is turned into a pseudonymous key by the hub'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Who and why'),
      field('Agency', input('f-agency', 'agency', 'text', f.agency, { placeholder: 'nv-police', autocomplete: 'off', 'aria-describedby': 'f-agency-hint' }), 'acting agency or recipient'),
      field('Actor', input('f-actor', 'actor', 'text', f.actor, { placeholder: 'nv-police/PC1234', autocomplete: 'off', 'aria-describedby': 'f-actor-hint' }), 'agency/staff id'),
      field('Purpose', input('f-purpose', 'purpose', 'text', f.purpose, { placeholder: 'catch-and-convict', autocomplete: 'off' })),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'What and when'),
      field('Event', select('f-event', 'event', [['', 'Any event'], ...EVENTS.map((event) => [event, eventName(event)])], f.event ?? '')),
      field('Decision', select('f-decision', 'decision', [['', 'Any decision'], ['permit', 'Permit'], ['deny', 'Deny'], ['not-applicable', 'Not applicable']], f.decision ?? '')),
      field('From (UTC day)', input('f-from', 'from', 'date', f.from)),
      field('To (UTC day)', input('f-to', 'to', 'date', f.to)),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search'), h('button', { type: 'reset', class: 'secondary' }, 'Clear filters')),
  );
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filter = {
      subjectKind: value('f-kind'),
      subjectValue: value('f-value'),
      agency: value('f-agency'),
      actor: value('f-actor'),
      purpose: value('f-purpose'),
      event: value('f-event'),
      decision: value('f-decision'),
      from: value('f-from'),
      to: value('f-to'),
    };
    state.cursors = [undefined];
    state.page = 0;
    void load(results, true);
  });
  form.addEventListener('reset', () => {
    state.filter = {};
    state.result = null;
    setTimeout(() => clear(results), 0);
  });
  root.append(
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Search the audit log'),
    h('p', { class: 'lede' }, 'Who shared what about whom, why and under which law. Every search is itself recorded in the audit log.'),
    form,
    results,
  );
  if (state.result) showResults(results, state.result);
}

async function load(results, announce) {
  clear(results).append(statusBox('info', 'Searching…'));
  try {
    const page = await getJson('/v1/audit/entries', { ...toQuery(state.filter), limit: PAGE_SIZE, cursor: state.cursors[state.page] });
    state.result = page;
    showResults(results, page);
    if (announce) results.querySelector('caption')?.focus();
  } catch (error) {
    state.result = null;
    clear(results).append(statusBox('error', describeError(error)));
  }
}

export function describeError(error) {
  if (error?.code === 'FORBIDDEN') return 'You may only ask for your own agency\'s entries.';
  if (error?.code === 'AUDIT_NOT_FOUND') return 'No such entry (or it is outside what you may see).';
  if (error?.code === 'BAD_REQUEST') return `The hub did not accept the search: ${error.message}`;
  if (error?.code === 'RATE_LIMITED') return 'Too many requests in the last minute; wait a moment and try again.';
  return error?.message ?? 'Something went wrong.';
}

function showResults(results, page) {
  clear(results);
  const first = state.page * PAGE_SIZE + 1;
  const caption = page.entries.length === 0 ? 'No entries match these filters' : `Entries ${first} to ${first + page.entries.length - 1}, newest first`;
  const table = h(
    'table',
    { class: 'results' },
    h('caption', { tabindex: '-1' }, caption),
    h('thead', {}, h('tr', {}, ['No.', 'Time', 'Event', 'Agency', 'Actor', 'Purpose', 'Decision', 'Recipients'].map((label) => h('th', { scope: 'col' }, label)))),
    h(
      'tbody',
      {},
      page.entries.map((entry) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('a', { href: `#/entry/${entry.seq}`, 'aria-label': `Entry ${entry.seq}` }, String(entry.seq))),
          h('td', {}, timeElement(entry.time)),
          h('td', {}, eventName(entry.event)),
          h('td', {}, entry.agency),
          h('td', {}, entry.actor ? `${entry.actor.id} (${entry.actor.role})` : ''),
          h('td', {}, entry.purpose ?? ''),
          h('td', {}, entry.decision ? h('span', { class: `badge badge-${entry.decision}` }, entry.decision) : ''),
          h('td', {}, (entry.recipients ?? []).join(', ')),
        ),
      ),
    ),
  );
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Result pages' },
    h('button', { type: 'button', class: 'secondary', disabled: state.page === 0, onclick: () => { state.page -= 1; void load(results, true); } }, '← Newer'),
    h('span', {}, `Page ${state.page + 1}`),
    h('button', {
      type: 'button',
      class: 'secondary',
      disabled: !page.nextCursor,
      onclick: () => {
        state.cursors[state.page + 1] = page.nextCursor;
        state.page += 1;
        void load(results, true);
      },
    }, 'Older →'),
  );
  results.append(h('div', { class: 'table-wrap' }, table), pager);
}
