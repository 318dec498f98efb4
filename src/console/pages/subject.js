import { getBlob, getJson, saveBlob } from '../api.js';
import { clear, eventName, field, h, IDENTIFIER_KINDS, statusBox, timeElement } from '../dom.js';
import { describeError } from './search.js';

const state = { kind: 'pnc', value: '', report: null };

export async function renderSubject(root) {
  const output = h('div', { id: 'report', 'aria-live': 'polite' });
  const kind = h('select', { id: 's-kind', name: 'kind' }, IDENTIFIER_KINDS.map(([value, label]) => h('option', { value, selected: value === state.kind }, label)));
  const value = h('input', { id: 's-value', name: 'value', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', value: state.value });
  const form = h(
    'form',
    { class: 'filters no-print' },
    h('fieldset', {}, h('legend', {}, 'The person'), field('Identifier kind', kind), field('Identifier', value)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Build report')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    state.kind = kind.value;
    state.value = value.value.trim();
    if (!state.value) {
      clear(output).append(statusBox('error', 'Enter the identifier.'));
      value.focus();
      return;
    }
    clear(output).append(statusBox('info', 'Building the report…'));
    try {
      state.report = await getJson('/v1/audit/subject-report', { kind: state.kind, value: state.value });
      show(output);
      output.querySelector('h2')?.focus();
    } catch (error) {
      clear(output).append(statusBox('error', describeError(error)));
    }
  });
  root.append(
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Subject access report'),
    h('p', { class: 'lede no-print' }, 'Everything the scheme shared about one person, with whom, when, why and under which law (UK GDPR Art 15; DPA 2018 s.45). The report names fields, never their values.'),
    form,
    output,
  );
  if (state.report) show(output);
}

function basisList(bases) {
  if (bases.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('ul', { class: 'plain' }, bases.map((basis) => h('li', {}, basis.title ?? basis.code, basis.citation ? h('div', { class: 'citation' }, basis.citation) : null)));
}

function table(caption, headings, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
      h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: headings.length, class: 'muted' }, 'None.')) : rows),
    ),
  );
}

function show(output) {
  const report = state.report;
  const download = h('button', { type: 'button', class: 'secondary', 'data-testid': 'download-csv' }, 'Download CSV');
  download.addEventListener('click', async () => {
    download.disabled = true;
    try {
      saveBlob(await getBlob('/v1/audit/subject-report', { kind: state.kind, value: state.value, format: 'csv' }), 'subject-report.csv');
    } catch (error) {
      output.prepend(statusBox('error', describeError(error)));
    } finally {
      download.disabled = false;
    }
  });
  const link = (seq) => h('a', { href: `#/entry/${seq}` }, String(seq));
  clear(output).append(
    h('h2', { tabindex: '-1' }, 'Report'),
    h(
      'dl',
      { class: 'summary' },
      h('dt', {}, 'Subject key'),
      h('dd', {}, h('code', {}, report.subjectKey)),
      h('dt', {}, 'Scope'),
      h('dd', {}, report.scope === 'scheme' ? 'the whole scheme' : `entries involving ${report.scope}`),
      h('dt', {}, 'Generated'),
      h('dd', {}, timeElement(report.generatedAt)),
      h('dt', {}, 'In short'),
      h('dd', {}, `${report.disclosures.length} disclosures, ${report.refusals.length} refusals, ${report.otherActivity.length} other acts`),
    ),
    h('div', { class: 'actions no-print' }, h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Print'), download),
    table(
      'Disclosures',
      ['No.', 'When', 'From', 'To', 'Purpose', 'Legal basis', 'Rule', 'Fields disclosed', 'Fields withheld'],
      report.disclosures.map((item) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, link(item.seq)),
          h('td', {}, timeElement(item.time)),
          h('td', {}, item.from),
          h('td', {}, item.to.join(', ')),
          h('td', {}, item.purpose ? item.purpose.title ?? item.purpose.code : ''),
          h('td', {}, basisList(item.legalBases)),
          h('td', {}, item.ruleIds.join(', ')),
          h('td', {}, item.fieldsDisclosed.join(', ')),
          h('td', {}, item.fieldsWithheld.join(', ')),
        ),
      ),
    ),
    table(
      'Refusals',
      ['No.', 'When', 'From', 'To', 'Purpose', 'Rule', 'Reason'],
      report.refusals.map((item) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, link(item.seq)),
          h('td', {}, timeElement(item.time)),
          h('td', {}, item.from),
          h('td', {}, item.to.join(', ')),
          h('td', {}, item.purpose ? item.purpose.title ?? item.purpose.code : ''),
          h('td', {}, item.ruleIds.join(', ')),
          h('td', {}, item.reason ?? item.outcome ?? ''),
        ),
      ),
    ),
    table(
      'Other activity (collection, delivery, alteration, erasure…)',
      ['No.', 'When', 'Event', 'Agency', 'Recipients', 'Outcome'],
      report.otherActivity.map((item) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, link(item.seq)),
          h('td', {}, timeElement(item.time)),
          h('td', {}, eventName(item.event)),
          h('td', {}, item.agency),
          h('td', {}, item.recipients.join(', ')),
          h('td', {}, item.outcome ?? ''),
        ),
      ),
    ),
  );
}
