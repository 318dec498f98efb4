import { getJson } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { clear, field, h, statusBox } from '../dom.js';
import { describeError } from './search.js';

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const state = { from: isoDay(Date.now() - 29 * DAY_MS), to: isoDay(Date.now()) };

export async function renderOverview(root) {
  const output = h('div', { 'aria-live': 'polite' });
  const from = h('input', { id: 'o-from', type: 'date', value: state.from, required: true });
  const to = h('input', { id: 'o-to', type: 'date', value: state.to, required: true });
  const form = h('form', { class: 'filters inline' }, field('From (UTC day)', from), field('To (UTC day)', to), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.from = from.value;
    state.to = to.value;
    void load(output);
  });
  root.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Overview'), h('p', { class: 'lede' }, 'Sharing across the scheme, day by day (UTC).'), form, output);
  await load(output);
}

async function load(output) {
  clear(output).append(statusBox('info', 'Loading figures…'));
  let figures;
  try {
    figures = await getJson('/v1/audit/overview', { from: state.from, to: state.to });
  } catch (error) {
    clear(output).append(statusBox('error', describeError(error)));
    return;
  }
  const { days, totals } = figures;
  clear(output).append(
    h(
      'ul',
      { class: 'tiles', 'aria-label': 'Totals' },
      h('li', {}, h('span', { class: 'tile-value', 'data-testid': 'total-shared' }, String(totals.shared)), h('span', { class: 'tile-label' }, 'records shared')),
      h('li', {}, h('span', { class: 'tile-value' }, String(totals.refused)), h('span', { class: 'tile-label' }, 'refusals')),
      h('li', {}, h('span', { class: 'tile-value' }, String(totals.childShared)), h('span', { class: 'tile-label' }, 'shared about children')),
      h('li', {}, h('span', { class: 'tile-value' }, String(totals.childRefused)), h('span', { class: 'tile-label' }, 'refused about children')),
    ),
    h(
      'div',
      { class: 'charts' },
      lineChart({
        title: 'Sharing volume by agency pair',
        description: `Records disclosed per day from one agency to another, ${figures.from} to ${figures.to}.`,
        days,
        series: figures.sharingByAgencyPair.map((pair) => ({ label: `${pair.from} → ${pair.to}`, values: pair.byDay })),
      }),
      lineChart({
        title: 'Sharing volume by purpose',
        description: `Records disclosed per day for each purpose, ${figures.from} to ${figures.to}.`,
        days,
        series: figures.sharingByPurpose.map((item) => ({ label: item.title ?? item.purpose, values: item.byDay })),
      }),
      barChart({
        title: 'Refusals by rule',
        description: 'How many times each rule (or the default deny) refused a sharing in the period.',
        items: figures.refusalsByRule.map((item) => ({ label: item.rule, detail: item.description, value: item.total })),
      }),
      lineChart({
        title: 'Records about children',
        description: 'Records about people under 18 shared and refused per day.',
        days,
        series: totals.childShared + totals.childRefused === 0 ? [] : [
          { label: 'shared about children', values: figures.children.shared },
          { label: 'refused about children', values: figures.children.refused },
        ],
      }),
    ),
  );
}
