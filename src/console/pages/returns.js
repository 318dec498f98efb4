import { getBlob, getJson, saveBlob } from '../api.js';
import { lineChart } from '../charts.js';
import { clear, field, h, statusBox } from '../dom.js';
import { describeError } from './search.js';

// Scheme returns: the quarter's published figures against the scheme's
// targets (policies/targets.yaml) with red/amber/green, four quarters of
// trend, and every figure with its definition one click away. Everything
// shown is aggregate and already through disclosure control on the hub: a
// withheld figure stays withheld here ("not assessable", a gap in a chart).

const RAG_TEXT = {
  green: 'Green: on course',
  amber: 'Amber: in some danger',
  red: 'Red: unlikely to be achieved',
  'not-assessable': 'Not assessable: the figure is withheld',
};
const TREND_COUNTS = [
  ['cohort-status', 'people', 'Cohort'],
  ['arrests', 'arrests', 'Arrests'],
  ['convictions', 'convictions', 'Convictions'],
  ['needs-referrals', 'referrals', 'Needs referrals'],
];

function currentQuarter() {
  const now = new Date();
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

function previousQuarters(quarter, count) {
  const [year, q] = quarter.split('-Q').map(Number);
  const out = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    const index = year * 4 + (q - 1) - i;
    out.push(`${Math.floor(index / 4)}-Q${(index % 4) + 1}`);
  }
  return out;
}

const state = { period: currentQuarter() };

export async function renderReturns(root) {
  const output = h('div', { 'aria-live': 'polite' });
  const period = h('input', { id: 'r-period', type: 'text', value: state.period, required: true, pattern: '\\d{4}-Q[1-4]', size: 8 });
  const form = h('form', { class: 'filters inline' }, field('Quarter', period, 'YYYY-Qn, e.g. 2026-Q3'), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.period = period.value.trim();
    void load(output);
  });
  root.append(
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Scheme returns'),
    h('p', { class: 'lede' }, 'How the PPO scheme performs, from the facts partners share through the hub, dated by the event. Aggregate figures only: counts from 1 to 4 show as <5, and a figure that would give one away is withheld.'),
    form,
    output,
  );
  await load(output);
}

async function load(output) {
  clear(output).append(statusBox('info', 'Compiling the return…'));
  let current;
  let targets;
  let trend;
  try {
    [current, targets] = await Promise.all([getJson('/v1/returns', { period: state.period }), getJson('/v1/returns/targets')]);
    const quarters = previousQuarters(current.period.id, 4);
    trend = await Promise.all(quarters.map((quarter) => (quarter === current.period.id ? current : getJson('/v1/returns', { period: quarter }))));
  } catch (error) {
    clear(output).append(statusBox('error', describeError(error)));
    return;
  }
  clear(output).append(summary(current), targetsTable(current, targets.targets), trends(trend, targets.targets), allFigures(current));
}

function cellOf(schemeReturn, measureId, metric, breakdown = 'all') {
  return schemeReturn.measures.find((measure) => measure.id === measureId)?.cells.find((cell) => cell.metric === metric && cell.breakdown === breakdown);
}

function ragOf(target, value) {
  if (value === null || value === undefined) return 'not-assessable';
  const meets = (threshold) => (target.direction === 'at-most' ? value <= threshold : value >= threshold);
  if (meets(target.green)) return 'green';
  return meets(target.amber) ? 'amber' : 'red';
}

function download(schemeReturn, format) {
  return h(
    'button',
    {
      type: 'button',
      onclick: async () => saveBlob(await getBlob('/v1/returns', { period: schemeReturn.period.id, format }), `scheme-return-${schemeReturn.period.id}-r${schemeReturn.revision.number}.${format}`),
    },
    `Download ${format.toUpperCase()}`,
  );
}

function summary(schemeReturn) {
  const revision = schemeReturn.revision;
  return h(
    'section',
    { 'aria-labelledby': 'r-summary' },
    h('h2', { id: 'r-summary' }, `${schemeReturn.scheme} scheme, ${schemeReturn.period.id} (${schemeReturn.period.start} to ${schemeReturn.period.end})`),
    h(
      'p',
      { 'data-testid': 'returns-position' },
      `Ledger position ${schemeReturn.ledgerPosition}, revision ${revision.number}`,
      revision.revisesLedgerPosition === null ? '' : ` (revises the compilation at position ${revision.revisesLedgerPosition}: ${revision.changedCells.length} figure(s) changed)`,
      `, policy ${schemeReturn.policyVersion.slice(0, 12)}.`,
    ),
    h('p', { class: 'actions' }, download(schemeReturn, 'csv'), ' ', download(schemeReturn, 'xlsx'), ' ', download(schemeReturn, 'json')),
  );
}

function targetText(target) {
  return `${target.direction === 'at-most' ? 'at most' : 'at least'} ${target.green} (amber to ${target.amber})`;
}

function targetsTable(schemeReturn, targets) {
  return h(
    'section',
    { 'aria-labelledby': 'r-targets' },
    h('h2', { id: 'r-targets' }, "Against the scheme's targets"),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ['Target', 'Figure', 'This quarter', 'Target value', 'Status'].map((heading) => h('th', { scope: 'col' }, heading)))),
        h(
          'tbody',
          {},
          targets.map((target) => {
            const cell = cellOf(schemeReturn, target.measure, target.metric);
            const rag = ragOf(target, cell?.value);
            return h(
              'tr',
              {},
              h('th', { scope: 'row' }, target.title),
              h('td', {}, h('a', { href: `#measure-${target.measure}` }, cell ? cell.label : target.metric)),
              h('td', { class: 'number' }, cell ? `${cell.display}${cell.unit === 'percent' && cell.value !== null ? '%' : ''}` : '—', cell?.note ? h('div', { class: 'muted' }, cell.note) : null),
              h('td', {}, targetText(target)),
              h('td', {}, h('span', { class: `badge badge-rag-${rag}`, 'data-testid': `rag-${target.measure}.${target.metric}` }, RAG_TEXT[rag])),
            );
          }),
        ),
      ),
    ),
  );
}

function trends(returns, targets) {
  const quarters = returns.map((item) => item.period.id);
  const series = (measure, metric, label) => {
    const cells = returns.map((item) => cellOf(item, measure, metric));
    return { label, values: cells.map((cell) => cell?.value ?? null), shown: cells.map((cell) => cell?.display ?? '—') };
  };
  return h(
    'section',
    { 'aria-labelledby': 'r-trends' },
    h('h2', { id: 'r-trends' }, 'Quarter by quarter'),
    h(
      'div',
      { class: 'charts' },
      lineChart({
        title: 'Targets, quarter by quarter',
        description: `The figure behind each target in the four quarters to ${quarters.at(-1)}; a withheld figure is a gap.`,
        days: quarters,
        formatLabel: (quarter) => quarter,
        totals: false,
        series: targets.filter((target) => target.measure !== 'prevent-and-deter').map((target) => series(target.measure, target.metric, target.title)),
      }),
      lineChart({
        title: 'Cohort and activity, quarter by quarter',
        description: `People and events in the four quarters to ${quarters.at(-1)}; a withheld count is a gap.`,
        days: quarters,
        formatLabel: (quarter) => quarter,
        totals: false,
        series: TREND_COUNTS.map(([measure, metric, label]) => series(measure, metric, label)),
      }),
    ),
  );
}

function allFigures(schemeReturn) {
  return h(
    'section',
    { 'aria-labelledby': 'r-all' },
    h('h2', { id: 'r-all' }, 'Every figure'),
    schemeReturn.measures.map((measure) =>
      h(
        'article',
        { class: 'measure', id: `measure-${measure.id}` },
        h('h3', {}, measure.title),
        h('details', { class: 'definition', 'data-testid': `definition-${measure.id}` }, h('summary', {}, 'Definition and feeding messages'), h('p', {}, measure.definition), h('p', {}, 'Fed by: ', measure.feeds.join(', '))),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ['Figure', 'Breakdown', 'Unit', 'Value', 'Note'].map((heading) => h('th', { scope: 'col' }, heading)))),
            h('tbody', {}, measure.cells.map((cell) => h('tr', {}, h('th', { scope: 'row' }, cell.label), h('td', {}, cell.breakdown), h('td', {}, cell.unit), h('td', { class: 'number' }, cell.display), h('td', {}, cell.note)))),
          ),
        ),
      ),
    ),
  );
}
