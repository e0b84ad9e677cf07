import { describe, expect, it } from 'vitest';
import { cannedDrillHistory, cannedDrillResult } from '../../test/support/canned-drill.ts';
import { chartData } from './chart-data.ts';
import { chartLabels, placeLabels, type PlacedLabel } from './chart-labels.ts';
import { CHART_WIDTHS, renderTimelineSvg } from './chart.ts';

// The cold drill: 200 s of provisioning, then the workload from 202 s to 238 s.
describe('timeline chart of a drill after a long provisioning', async () => {
  const result = await cannedDrillResult();
  const data = chartData(cannedDrillHistory(), { rto: result.rto });

  it('starts the time axis at the workload\'s start and says what it leaves out', () => {
    expect(data.domain.start).toBeGreaterThanOrEqual(200);
    expect(data.domain.start).toBeLessThanOrEqual(202);
    expect(data.domain.end).toBeGreaterThanOrEqual(238);
    expect(data.domain.end).toBeLessThanOrEqual(241);
    expect(data.leftOut).toBe('0–202 s (provision, warm-up) not drawn');
    // The drill fills the plot: the fault sits in its middle third, not in its last sixth.
    const at = (t: number) => (t - data.domain.start) / (data.domain.end - data.domain.start);
    expect(at(data.faults[0]!.start)).toBeGreaterThan(0.2);
    expect(at(data.faults[0]!.start)).toBeLessThan(0.5);
  });

  it('marks each fault\'s RTO: from its moment to the first acknowledged write', () => {
    expect(data.rto).toEqual([{ fault: 'kill', from: 212.05, to: 223.005, seconds: 10.955, label: 'kill: RTO 10.955 s' }]);
  });

  it('draws no lag line across a span without samples (no primary reported any)', () => {
    for (const replica of new Set(data.lag.map((p) => p.replica))) {
      const series = data.lag.filter((p) => p.replica === replica);
      for (let i = 1; i < series.length; i++) {
        if (series[i]!.segment === series[i - 1]!.segment) expect(series[i]!.t - series[i - 1]!.t, `${replica} at ${series[i]!.t}`).toBeLessThan(3);
      }
    }
    const pgC = data.lag.filter((p) => p.replica === 'pg-c');
    expect(pgC.find((p) => p.t < 212)!.segment).not.toBe(pgC.find((p) => p.t > 223)!.segment);
  });

  it.each(Object.entries(CHART_WIDTHS))('places every label inside a %s plot without overlapping another', (_name, width) => {
    const placed = placeLabels(chartLabels(data), data.domain, width);
    expect(placed.map((l) => l.text).sort()).toEqual(['kill: RTO 10.955 s', 'pg-a → TL 2', 'pg-b promoted (TL 2)', 'pg-c → TL 2', 'primary-kill (pg-a)']);
    for (const l of placed) {
      expect(l.x0, l.text).toBeGreaterThanOrEqual(0);
      expect(l.x1, l.text).toBeLessThanOrEqual(width);
    }
    const overlaps = (a: PlacedLabel, b: PlacedLabel) => a.row === b.row && a.x0 < b.x1 && b.x0 < a.x1;
    for (const [i, a] of placed.entries()) for (const b of placed.slice(i + 1)) expect(overlaps(a, b), `${a.text} / ${b.text}`).toBe(false);
  });

  it('uses one vocabulary for outcomes and binary units for bytes', async () => {
    const svg = await renderTimelineSvg(data, CHART_WIDTHS.wide);
    for (const word of ['acknowledged', 'failed', 'unknown']) expect(svg).toContain(`>${word}</text>`);
    expect(svg).not.toContain('>ok</text>');
    expect(svg).toMatch(/>\d+(\.\d)? MiB<\/text>/);
    expect(svg).not.toMatch(/>[\d.]+[kM]<\/text>/);
    expect(svg).toContain('kill: RTO 10.955 s');
  });
});
