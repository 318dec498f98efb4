/**
 * A small SVG writer for docs/benchmarks-latency.svg: per run, a panel with
 * throughput per second as bars (right axis) and latency p50/p95/p99 as lines
 * (left axis). No libraries; plain SVG 1.1 that browsers and GitHub render.
 */
import type { SecondPoint } from './stats.js';

export interface ChartPanel {
  title: string;
  points: SecondPoint[];
}

const WIDTH = 820;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 64, right: 70, top: 56, bottom: 44 };
const SERIES = [
  { key: 'p50', colour: '#1b7837', label: 'p50 latency' },
  { key: 'p95', colour: '#e08214', label: 'p95 latency' },
  { key: 'p99', colour: '#b2182b', label: 'p99 latency' },
] as const;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (value: number) => Number(value.toFixed(1)).toString();

/** A "nice" upper bound for an axis (1, 2 or 5 times a power of ten). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10;
  return step * power;
}

function panel(chart: ChartPanel, offsetY: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const points = chart.points;
  const n = Math.max(1, points.length);
  const latencyMax = niceMax(Math.max(0, ...points.map((point) => (Number.isFinite(point.p99) ? point.p99 : 0))));
  const rateMax = niceMax(Math.max(0, ...points.map((point) => point.count)));
  const x = (second: number) => MARGIN.left + (second / n) * plotWidth;
  const yLatency = (ms: number) => offsetY + MARGIN.top + plotHeight - (ms / latencyMax) * plotHeight;
  const yRate = (rate: number) => offsetY + MARGIN.top + plotHeight - (rate / rateMax) * plotHeight;
  const out: string[] = [];
  out.push(`<text x="${MARGIN.left}" y="${offsetY + 24}" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  // Grid and axes: five steps on both axes.
  for (let i = 0; i <= 5; i += 1) {
    const y = offsetY + MARGIN.top + plotHeight - (i / 5) * plotHeight;
    out.push(`<line x1="${MARGIN.left}" y1="${fixed(y)}" x2="${WIDTH - MARGIN.right}" y2="${fixed(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${fixed(y + 4)}" text-anchor="end" font-size="11">${fixed((latencyMax * i) / 5)}</text>`);
    out.push(`<text x="${WIDTH - MARGIN.right + 6}" y="${fixed(y + 4)}" font-size="11" fill="#4575b4">${Math.round((rateMax * i) / 5)}</text>`);
  }
  const tickEvery = Math.max(1, Math.ceil(n / 10));
  for (let second = 0; second <= n; second += tickEvery) {
    out.push(`<text x="${fixed(x(second))}" y="${offsetY + PANEL_HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${second}</text>`);
  }
  out.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${offsetY + PANEL_HEIGHT - 8}" text-anchor="middle" font-size="12">seconds into the run</text>`);
  out.push(`<text transform="translate(16 ${offsetY + MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">latency, POST to webhook receipt (ms)</text>`);
  out.push(`<text transform="translate(${WIDTH - 14} ${offsetY + MARGIN.top + plotHeight / 2}) rotate(90)" text-anchor="middle" font-size="12" fill="#4575b4">delivered messages per second</text>`);
  // Throughput bars.
  const barWidth = Math.max(1, plotWidth / n - 2);
  for (const point of points) {
    const top = yRate(point.count);
    out.push(`<rect x="${fixed(x(point.second) + 1)}" y="${fixed(top)}" width="${fixed(barWidth)}" height="${fixed(yRate(0) - top)}" fill="#abd9e9"/>`);
  }
  // Latency lines through the middle of each second's bar; seconds with no delivery break the line.
  for (const series of SERIES) {
    const segments: string[][] = [[]];
    for (const point of points) {
      const value = point[series.key];
      if (!Number.isFinite(value)) {
        segments.push([]);
        continue;
      }
      segments.at(-1)!.push(`${fixed(x(point.second + 0.5))},${fixed(yLatency(value))}`);
    }
    for (const segment of segments.filter((s) => s.length > 0)) {
      out.push(`<polyline fill="none" stroke="${series.colour}" stroke-width="2" points="${segment.join(' ')}"/>`);
    }
  }
  out.push(`<rect x="${MARGIN.left}" y="${offsetY + MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  // Legend.
  const legend = [...SERIES.map((series) => ({ colour: series.colour, label: series.label, bar: false })), { colour: '#abd9e9', label: 'delivered/s', bar: true }];
  legend.forEach((item, index) => {
    // Under the title, so a long title never runs into it.
    const lx = MARGIN.left + index * 110;
    const ly = offsetY + 42;
    out.push(
      item.bar
        ? `<rect x="${lx}" y="${ly - 8}" width="16" height="10" fill="${item.colour}"/>`
        : `<line x1="${lx}" y1="${ly - 3}" x2="${lx + 16}" y2="${ly - 3}" stroke="${item.colour}" stroke-width="2"/>`,
    );
    out.push(`<text x="${lx + 20}" y="${ly + 1}" font-size="11">${escapeXml(item.label)}</text>`);
  });
  return out.join('\n');
}

export function latencyChartSvg(panels: ChartPanel[], caption: string): string {
  const height = panels.length * PANEL_HEIGHT + 30;
  const body = panels.map((chart, index) => panel(chart, index * PANEL_HEIGHT)).join('\n');
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    body,
    `<text x="${MARGIN.left}" y="${height - 10}" font-size="11" fill="#555">${escapeXml(caption)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
