import { h, s } from './dom.js';

// Small SVG charts drawn by hand: no library, no external resource. Each
// chart is an <svg role="img"> with a title and description for assistive
// technology, a legend in text, and the figures as a table underneath (WCAG
// 1.1.1: the table is the text alternative). Colours keep >= 3:1 contrast
// against white (WCAG 1.4.11) and series also differ by dash pattern, so
// colour is never the only cue (WCAG 1.4.1).

const COLOURS = ['#1f4e9c', '#b3261e', '#1b7f3b', '#8a4f00', '#6a1b9a', '#00695c', '#37474f', '#ad1457'];
const DASHES = ['', '6 3', '2 3', '10 4 2 4', '1 2', '8 2', '4 4', '12 3'];
let chartCount = 0;

function niceMax(value) {
  if (value <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function shortDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function figuresTable(caption, headings, rows) {
  return h(
    'details',
    { class: 'figures' },
    h('summary', {}, `Figures: ${caption}`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', {}, caption),
        h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
        h('tbody', {}, rows.map(([head, ...cells]) => h('tr', {}, h('th', { scope: 'row' }, head), cells.map((cell) => h('td', { class: 'number' }, String(cell)))))),
      ),
    ),
  );
}

/**
 * Lines over days: series = [{ label, values }]. `formatLabel` names each
 * point on the axis (a day by default; a quarter for the returns' trends). A
 * null value (a withheld figure) is a gap, not a zero; `totals: false` leaves
 * out the sums, which mean nothing for percentages.
 */
export function lineChart({ title, description, days, series, maxSeries = 8, formatLabel = shortDay, totals = true }) {
  const id = `chart-${++chartCount}`;
  const shown = series.slice(0, maxSeries);
  const width = 720;
  const height = 260;
  const margin = { top: 16, right: 16, bottom: 40, left: 48 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const top = niceMax(Math.max(1, ...shown.flatMap((item) => item.values.filter((value) => value !== null))));
  const x = (index) => margin.left + (days.length <= 1 ? plotWidth / 2 : (index / (days.length - 1)) * plotWidth);
  const y = (value) => margin.top + plotHeight - (value / top) * plotHeight;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart' },
    s('title', { id: `${id}-title` }, title),
    s('desc', { id: `${id}-desc` }, description),
    [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
      const value = Math.round(top * fraction);
      return s('g', { class: 'grid' }, s('line', { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }), s('text', { x: margin.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, String(value)));
    }),
    days.map((day, index) => {
      const every = Math.max(1, Math.ceil(days.length / 8));
      // The last day is labelled too, unless it would sit on top of the previous label.
      const last = index === days.length - 1 && index % every >= Math.ceil(every / 2);
      return index % every === 0 || last ? s('text', { class: 'axis-label', x: x(index), y: height - margin.bottom + 18, 'text-anchor': 'middle' }, formatLabel(day)) : null;
    }),
    s('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }),
    shown.map((item, seriesIndex) =>
      s(
        'g',
        { class: 'series' },
        s('polyline', {
          fill: 'none',
          stroke: COLOURS[seriesIndex % COLOURS.length],
          'stroke-width': 2.5,
          'stroke-dasharray': DASHES[seriesIndex % DASHES.length] || null,
          points: item.values.map((value, index) => (value === null ? null : `${x(index).toFixed(1)},${y(value).toFixed(1)}`)).filter(Boolean).join(' '),
        }),
        item.values.map((value, index) => (value !== null && value > 0 ? s('circle', { cx: x(index).toFixed(1), cy: y(value).toFixed(1), r: 3, fill: COLOURS[seriesIndex % COLOURS.length] }, s('title', {}, `${item.label}, ${formatLabel(days[index])}: ${value}`)) : null)),
      ),
    ),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    shown.map((item, seriesIndex) =>
      h('li', {}, s('svg', { width: 28, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 28, y1: 5, y2: 5, stroke: COLOURS[seriesIndex % COLOURS.length], 'stroke-width': 3, 'stroke-dasharray': DASHES[seriesIndex % DASHES.length] || null })), totals ? ` ${item.label} (${item.values.reduce((a, b) => a + (b ?? 0), 0)})` : ` ${item.label}`),
    ),
  );
  const note = series.length > shown.length ? h('p', { class: 'muted' }, `The ${shown.length} largest of ${series.length} are drawn; the table lists all.`) : null;
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', {}, title),
    series.length === 0 ? h('p', { class: 'muted' }, 'Nothing in this period.') : [svg, legend, note],
    totals
      ? figuresTable(title, ['Series', ...days.map(formatLabel), 'Total'], series.map((item) => [item.label, ...item.values, item.values.reduce((a, b) => a + b, 0)]))
      : figuresTable(title, ['Series', ...days.map(formatLabel)], series.map((item) => [item.label, ...item.values.map((value, index) => item.shown?.[index] ?? (value === null ? 'withheld' : value))])),
  );
}

/** Horizontal bars: items = [{ label, detail, value }]. */
export function barChart({ title, description, items }) {
  const id = `chart-${++chartCount}`;
  const width = 720;
  const rowHeight = 30;
  const labelWidth = 260;
  const height = Math.max(1, items.length) * rowHeight + 8;
  const top = niceMax(Math.max(1, ...items.map((item) => item.value)));
  const barWidth = (value) => ((width - labelWidth - 60) * value) / top;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart' },
    s('title', { id: `${id}-title` }, title),
    s('desc', { id: `${id}-desc` }, description),
    items.map((item, index) =>
      s(
        'g',
        {},
        s('text', { x: labelWidth - 8, y: index * rowHeight + 20, 'text-anchor': 'end', class: 'bar-label' }, item.label.length > 36 ? `${item.label.slice(0, 35)}…` : item.label),
        s('rect', { x: labelWidth, y: index * rowHeight + 6, width: Math.max(1, barWidth(item.value)).toFixed(1), height: rowHeight - 12, fill: COLOURS[1] }, s('title', {}, `${item.label}: ${item.value}`)),
        s('text', { x: labelWidth + barWidth(item.value) + 6, y: index * rowHeight + 20, class: 'bar-value' }, String(item.value)),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', {}, title),
    items.length === 0 ? h('p', { class: 'muted' }, 'Nothing in this period.') : svg,
    figuresTable(title, ['Rule', 'Description', 'Count'], items.map((item) => [item.label, item.detail ?? '', item.value])),
  );
}
