import { describe, expect, it } from 'vitest';
import { percentile, perSecond, summarise } from '../../bench/hub/stats.js';
import { latencyChartSvg, niceMax } from '../../bench/hub/svg.js';

describe('bench/hub statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(summarise([5, 1, 3])).toEqual({ count: 3, p50: 3, p95: 5, p99: 5, max: 5 });
  });

  it('buckets deliveries by the second they arrived in, leaving out those outside the run', () => {
    const points = perSecond(
      [
        { receivedAtMs: 1000, latencyMs: 10 },
        { receivedAtMs: 1999, latencyMs: 30 },
        { receivedAtMs: 2500, latencyMs: 20 },
        { receivedAtMs: 999, latencyMs: 99 },
        { receivedAtMs: 4000, latencyMs: 99 },
      ],
      1000,
      3,
    );
    expect(points.map((point) => point.count)).toEqual([2, 1, 0]);
    expect(points[0]).toMatchObject({ second: 0, p50: 10, p99: 30 });
    expect(points[2]!.p99).toBeNaN();
  });
});

describe('bench/hub SVG writer', () => {
  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(120)).toBe(200);
    expect(niceMax(4100)).toBe(5000);
  });

  it('draws one panel per run with bars, three percentile lines and escaped text, and breaks lines at empty seconds', () => {
    const points = perSecond(
      [
        { receivedAtMs: 0, latencyMs: 12 },
        { receivedAtMs: 2100, latencyMs: 40 },
      ],
      0,
      3,
    );
    const svg = latencyChartSvg([{ title: 'Peak <A & B>', points }, { title: 'Half', points }], 'caption "x"');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Peak &#60;A &#38; B&#62;');
    expect(svg).not.toContain('<A & B>');
    expect(svg).toContain('caption &#34;x&#34;');
    // Two panels x (3 bars + 1 background) plus the page background.
    expect(svg.match(/<rect /g)).toHaveLength(2 * (3 + 1 + 1) + 1);
    // Second 1 has no deliveries, so each percentile line is two pieces in each panel.
    expect(svg.match(/<polyline /g)).toHaveLength(2 * 3 * 2);
  });
});
