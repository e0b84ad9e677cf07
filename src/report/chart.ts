import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartData } from './chart-data.ts';

const WIDTH = 880;
export const OUTCOME_COLORS = { ok: '#2e7d32', failed: '#c62828', unknown: '#f29900' } as const;
const FAULT_COLOR = '#d32f2f';
const PROMOTION_COLOR = '#1a53a8';
const ARCHIVE_COLOR = '#8e24aa';

/**
 * The report's timeline as a Vega-Lite spec: two panels on one time axis
 * (seconds since the run started). Top: acknowledged, failed and unknown
 * writes per second, stacked, with fault windows shaded and promotions or
 * timeline switches as labelled rules. Bottom: replication lag per replica
 * (left axis) and archive failures since the start (right axis), with the
 * same fault windows.
 */
export function timelineSpec(data: ChartData): TopLevelSpec {
  const x = { scale: { domain: [0, data.durationSeconds], nice: false, zero: true } };
  const faultLayer = {
    data: { values: data.faults },
    mark: { type: 'rect' as const, color: FAULT_COLOR, opacity: 0.13 },
    encoding: { x: { field: 'start', type: 'quantitative' as const, ...x }, x2: { field: 'end' } },
  };
  const faultLabels = {
    data: { values: data.faults },
    mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 4, dy: 4, y: 0, color: FAULT_COLOR, fontSize: 11, fontWeight: 'bold' as const },
    encoding: { x: { field: 'start', type: 'quantitative' as const, ...x }, text: { field: 'label' } },
  };
  const promotionRules = {
    data: { values: data.roleChanges },
    mark: { type: 'rule' as const, color: PROMOTION_COLOR, strokeDash: [5, 3], strokeWidth: 1.5 },
    encoding: { x: { field: 't', type: 'quantitative' as const, ...x } },
  };
  const promotionLabels = {
    data: { values: data.roleChanges },
    mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 3, dy: 20, y: 0, color: PROMOTION_COLOR, fontSize: 11 },
    encoding: { x: { field: 't', type: 'quantitative' as const, ...x }, text: { field: 'label' } },
  };

  const writes = {
    title: { text: 'Writes per second by outcome', anchor: 'start' as const, fontSize: 13 },
    width: WIDTH,
    height: 220,
    layer: [
      faultLayer,
      {
        data: { values: data.writes },
        mark: { type: 'bar' as const, binSpacing: 0 },
        encoding: {
          x: { field: 'start', type: 'quantitative' as const, title: null, ...x },
          x2: { field: 'end' },
          y: { field: 'perSecond', type: 'quantitative' as const, stack: 'zero' as const, title: `writes/s (${data.bucketSeconds} s buckets)` },
          color: {
            field: 'outcome',
            type: 'nominal' as const,
            title: 'outcome',
            scale: { domain: ['ok', 'failed', 'unknown'], range: [OUTCOME_COLORS.ok, OUTCOME_COLORS.failed, OUTCOME_COLORS.unknown] },
            legend: { orient: 'top' as const, direction: 'horizontal' as const, title: null },
          },
          order: { field: 'order', type: 'quantitative' as const },
        },
        transform: [{ calculate: "datum.outcome === 'ok' ? 0 : datum.outcome === 'failed' ? 1 : 2", as: 'order' }],
      },
      promotionRules,
      faultLabels,
      promotionLabels,
    ],
  };

  const health = {
    title: { text: 'Replication lag and archive failures', anchor: 'start' as const, fontSize: 13 },
    width: WIDTH,
    height: 150,
    layer: [
      faultLayer,
      {
        data: { values: data.lag },
        mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 1.5 },
        encoding: {
          x: { field: 't', type: 'quantitative' as const, title: 'seconds since the run started', ...x },
          y: { field: 'lagBytes', type: 'quantitative' as const, title: 'replication lag (bytes)', axis: { format: '~s' } },
          color: { field: 'replica', type: 'nominal' as const, title: 'replica lag', legend: { orient: 'top' as const, direction: 'horizontal' as const } },
        },
      },
      {
        data: { values: data.archive },
        mark: { type: 'line' as const, interpolate: 'step-after' as const, color: ARCHIVE_COLOR, strokeWidth: 2, strokeDash: [2, 2] },
        encoding: {
          x: { field: 't', type: 'quantitative' as const, ...x },
          y: {
            field: 'failures',
            type: 'quantitative' as const,
            title: 'archive failures (since start)',
            scale: { domainMin: 0, nice: true },
            axis: { orient: 'right' as const, titleColor: ARCHIVE_COLOR, labelColor: ARCHIVE_COLOR, tickMinStep: 1, format: 'd' },
          },
        },
      },
      promotionRules,
    ],
    resolve: { scale: { y: 'independent' as const } },
  };

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    config: {
      font: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eceff1' },
      legend: { labelFontSize: 11 },
      view: { stroke: '#cfd8dc' },
    },
    vconcat: [writes, health],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Renders the chart to an SVG string in Node (Vega's headless view: no browser, no canvas). */
export async function renderTimelineSvg(data: ChartData): Promise<string> {
  const vega = compile(timelineSpec(data)).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
