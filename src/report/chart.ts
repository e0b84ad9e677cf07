import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_WIDTH_PX, type ChartData } from './chart-data.ts';

const WIDTH = CHART_WIDTH_PX;
export const OUTCOME_COLORS = { ok: '#2e7d32', failed: '#c62828', unknown: '#f29900' } as const;
const FAULT_COLOR = '#d32f2f';
const PROMOTION_COLOR = '#1a53a8';
const TIMELINE_COLOR = '#5c7ea8';
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
  // Promotions and timeline switches: one rule and one label layer each, with fixed colours (no shared colour scale).
  const changes = (kind: 'promotion' | 'timeline', color: string, dash: number[]) => {
    const values = data.roleChanges.filter((c) => c.kind === kind);
    return {
      rule: {
        data: { values },
        mark: { type: 'rule' as const, color, strokeDash: dash, strokeWidth: 1.5 },
        encoding: { x: { field: 't', type: 'quantitative' as const, ...x } },
      },
      label: {
        data: { values },
        transform: [{ calculate: '20 + datum.row * 14', as: 'labelY' }],
        mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 3, fontSize: 11, color },
        encoding: {
          x: { field: 't', type: 'quantitative' as const, ...x },
          y: { field: 'labelY', type: 'quantitative' as const, scale: null },
          text: { field: 'label' },
        },
      },
    };
  };
  const promotions = changes('promotion', PROMOTION_COLOR, [6, 3]);
  const switches = changes('timeline', TIMELINE_COLOR, [2, 3]);
  const archiveMax = Math.max(1, ...data.archive.map((p) => p.failures));
  // Headroom above the tallest stack, where the fault and promotion labels go (never over the bars).
  const labelRows = data.roleChanges.reduce((rows, c) => Math.max(rows, c.row + 1), 0);
  const writesMax = Math.max(1, ...data.writes.map((w) => w.y1)) * (1.12 + 0.075 * (labelRows + 1));

  const writes = {
    title: { text: 'Writes per second by outcome', anchor: 'start' as const, fontSize: 13 },
    width: WIDTH,
    height: 240,
    layer: [
      faultLayer,
      {
        data: { values: data.writes },
        mark: { type: 'rect' as const },
        encoding: {
          x: { field: 'start', type: 'quantitative' as const, title: null, ...x },
          x2: { field: 'end' },
          y: { field: 'y1', type: 'quantitative' as const, title: `writes/s (${data.bucketSeconds} s buckets)`, scale: { domain: [0, writesMax], nice: false } },
          y2: { field: 'y0' },
          color: {
            field: 'outcome',
            type: 'nominal' as const,
            title: 'outcome',
            scale: { domain: ['ok', 'failed', 'unknown'], range: [OUTCOME_COLORS.ok, OUTCOME_COLORS.failed, OUTCOME_COLORS.unknown] },
            legend: { orient: 'top' as const, direction: 'horizontal' as const, title: null },
          },
        },
      },
      switches.rule,
      promotions.rule,
      faultLabels,
      switches.label,
      promotions.label,
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
          color: { field: 'replica', type: 'nominal' as const, title: 'lag of', legend: { orient: 'top' as const, direction: 'horizontal' as const, titleOrient: 'left' as const } },
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
            scale: { domain: [0, archiveMax], nice: true },
            axis: { orient: 'right' as const, titleColor: ARCHIVE_COLOR, labelColor: ARCHIVE_COLOR, tickMinStep: 1, format: 'd' },
          },
        },
      },
      switches.rule,
      promotions.rule,
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

/** Vega-Lite's warnings (a scale merged, ...) are for spec authors; a drill's stderr is no place for them. */
const quietLogger = {
  level(): number { return 0; },
  error(...args: readonly unknown[]) { throw new Error(`chart: ${args.join(' ')}`); },
  warn() { return quietLogger; },
  info() { return quietLogger; },
  debug() { return quietLogger; },
} as unknown as NonNullable<Parameters<typeof compile>[1]>['logger'];

/** Renders the chart to an SVG string in Node (Vega's headless view: no browser, no canvas). */
export async function renderTimelineSvg(data: ChartData): Promise<string> {
  const vega = compile(timelineSpec(data), { logger: quietLogger }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
