import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartData } from './chart-data.ts';
import { chartLabels, LABEL_FONT_PX, LABEL_ROW_PX, placeLabels, type LabelKind } from './chart-labels.ts';

/**
 * Plot widths in pixels: the page's chart, and the one drawn for a phone's
 * width (report.html shows the one that fits, at its own size, so its text
 * stays as large as the page's).
 */
export const CHART_WIDTHS = { wide: 860, narrow: 270 } as const;

export const OUTCOME_COLORS = { acknowledged: '#2e7d32', failed: '#c62828', unknown: '#f29900' } as const;
const FAULT_COLOR = '#d32f2f';
const PROMOTION_COLOR = '#1a53a8';
const TIMELINE_COLOR = '#5c7ea8';
const RTO_COLOR = '#263238';
const ARCHIVE_COLOR = '#8e24aa';
const LABEL_COLORS: Record<LabelKind, string> = { fault: FAULT_COLOR, rto: RTO_COLOR, promotion: PROMOTION_COLOR, timeline: TIMELINE_COLOR };

/** Bytes in binary units on an axis, the way every table of the report shows them (format.ts bytesText). */
const BYTES_LABEL = "datum.value >= 1073741824 ? format(datum.value / 1073741824, '.1~f') + ' GiB' : datum.value >= 1048576 ? format(datum.value / 1048576, '.1~f') + ' MiB' : datum.value >= 1024 ? format(datum.value / 1024, '.1~f') + ' KiB' : format(datum.value, 'd') + ' B'";

/**
 * The report's timeline as a Vega-Lite spec, `widthPx` wide: two panels on
 * one time axis (seconds since the run started, over the drill itself).
 * Top: acknowledged, failed and unknown writes per second, stacked, with
 * fault windows shaded, each fault's RTO as a bracket from its moment to the
 * first acknowledged write, and promotions or timeline switches as rules;
 * their labels sit in a band above the bars, placed so none overlaps
 * another (chart-labels.ts), and no line runs through the band. Bottom:
 * replication lag per replica (left axis; no line across a span without
 * samples) and archive failures since the start (right axis).
 */
export function timelineSpec(data: ChartData, widthPx: number = CHART_WIDTHS.wide): TopLevelSpec {
  const narrow = widthPx < 500;
  const x = { scale: { domain: [data.domain.start, data.domain.end], nice: false, zero: false } };
  const xAxis = { tickCount: narrow ? 4 : 10, labelOverlap: true as const };
  const placed = placeLabels(chartLabels(data), data.domain, widthPx).map((l) => ({
    ...l,
    px: l.align === 'left' ? l.x0 : l.x1,
    py: 3 + l.row * LABEL_ROW_PX,
  }));
  const rows = placed.reduce((n, l) => Math.max(n, l.row + 1), 0);
  const barsPx = narrow ? 170 : 220;
  const bandPx = rows * LABEL_ROW_PX + 6;
  const heightPx = barsPx + bandPx;
  // The bars (and every marker's line) fill the lower barsPx pixels; the label band is above them.
  const barsTop = Math.max(1, ...data.writes.map((w) => w.y1)) * 1.05;
  const yTop = (barsTop * heightPx) / barsPx;
  const inBars = { y: { datum: 0, type: 'quantitative' as const }, y2: { datum: barsTop } };

  const faultBand = (top: boolean) => ({
    data: { values: data.faults },
    mark: { type: 'rect' as const, color: FAULT_COLOR, opacity: 0.13 },
    encoding: { x: { field: 'start', type: 'quantitative' as const, ...x }, x2: { field: 'end' }, ...(top ? inBars : {}) },
  });
  const rules = (kind: 'promotion' | 'timeline', color: string, dash: number[], top: boolean) => ({
    name: `chart_marker_${kind}`,
    data: { values: data.roleChanges.filter((c) => c.kind === kind) },
    mark: { type: 'rule' as const, color, strokeDash: dash, strokeWidth: 1.5 },
    encoding: { x: { field: 't', type: 'quantitative' as const, ...x }, ...(top ? inBars : {}) },
  });
  const recovered = data.rto.filter((r) => r.to !== null);
  const rtoBrackets = {
    name: 'chart_marker_rto_span',
    data: { values: data.rto.map((r) => ({ ...r, until: r.to ?? data.domain.end })) },
    mark: { type: 'rule' as const, color: RTO_COLOR, strokeWidth: 2 },
    encoding: { x: { field: 'from', type: 'quantitative' as const, ...x }, x2: { field: 'until' }, y: { datum: barsTop * 0.985, type: 'quantitative' as const } },
  };
  const rtoRules = {
    name: 'chart_marker_rto',
    data: { values: recovered },
    mark: { type: 'rule' as const, color: RTO_COLOR, strokeWidth: 1.5 },
    encoding: { x: { field: 'to', type: 'quantitative' as const, ...x }, ...inBars },
  };
  const labels = (['fault', 'rto', 'promotion', 'timeline'] as const).flatMap((kind) => (['left', 'right'] as const).map((align) => ({
    name: `chart_label_${kind}_${align}`,
    data: { values: placed.filter((l) => l.kind === kind && l.align === align) },
    mark: {
      type: 'text' as const, align, baseline: 'top' as const, fontSize: LABEL_FONT_PX, color: LABEL_COLORS[kind],
      ...(kind === 'fault' ? { fontWeight: 'bold' as const } : {}),
    },
    encoding: {
      x: { field: 'px', type: 'quantitative' as const, scale: null },
      y: { field: 'py', type: 'quantitative' as const, scale: null },
      text: { field: 'text' },
    },
  })));

  // Both panels: a title at the left, the same width (one time axis), their own height.
  const panel = (text: string, height: number) => ({ title: { text, anchor: 'start' as const, fontSize: 13 }, width: widthPx, height });
  const axisTitle = data.leftOut === null
    ? 'seconds since the run started'
    : narrow ? ['seconds since the run started', `(${data.leftOut})`] : `seconds since the run started (${data.leftOut})`;

  const writes = {
    ...panel('Writes per second by outcome', heightPx),
    layer: [
      faultBand(true),
      {
        data: { values: data.writes },
        mark: { type: 'rect' as const },
        encoding: {
          x: { field: 'start', type: 'quantitative' as const, title: null, axis: xAxis, ...x },
          x2: { field: 'end' },
          y: {
            field: 'y1', type: 'quantitative' as const, title: `writes/s (${data.bucketSeconds} s buckets)`,
            scale: { domain: [0, yTop], nice: false }, axis: { values: niceTicks(barsTop, narrow ? 3 : 5) },
          },
          y2: { field: 'y0' },
          color: {
            field: 'outcome',
            type: 'nominal' as const,
            scale: { domain: ['acknowledged', 'failed', 'unknown'], range: [OUTCOME_COLORS.acknowledged, OUTCOME_COLORS.failed, OUTCOME_COLORS.unknown] },
            legend: { orient: 'top' as const, direction: 'horizontal' as const, title: null },
          },
        },
      },
      rules('timeline', TIMELINE_COLOR, [2, 3], true),
      rules('promotion', PROMOTION_COLOR, [6, 3], true),
      rtoBrackets,
      rtoRules,
      ...labels,
    ],
  };

  const archiveMax = Math.max(1, ...data.archive.map((p) => p.failures));
  const lagTicks = binaryTicks(Math.max(1, ...data.lag.map((p) => p.lagBytes)), narrow ? 3 : 4);
  const health = {
    ...panel('Replication lag and archive failures', narrow ? 130 : 150),
    layer: [
      faultBand(false),
      {
        data: { values: data.lag },
        mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 1.5 },
        encoding: {
          x: { field: 't', type: 'quantitative' as const, title: axisTitle, axis: xAxis, ...x },
          y: {
            field: 'lagBytes', type: 'quantitative' as const, title: 'replication lag',
            scale: { domain: [0, lagTicks[lagTicks.length - 1]!], nice: false }, axis: { labelExpr: BYTES_LABEL, values: lagTicks },
          },
          color: { field: 'replica', type: 'nominal' as const, title: 'lag of', legend: { orient: 'top' as const, direction: 'horizontal' as const, titleOrient: 'left' as const } },
          // One line per stretch of samples: a span without any is a gap, not a flat line.
          detail: { field: 'segment', type: 'nominal' as const },
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
            title: narrow ? 'archive failures' : 'archive failures (since start)',
            scale: { domain: [0, archiveMax], nice: true },
            axis: { orient: 'right' as const, titleColor: ARCHIVE_COLOR, labelColor: ARCHIVE_COLOR, tickMinStep: 1, format: 'd' },
          },
        },
      },
      rules('timeline', TIMELINE_COLOR, [2, 3], false),
      rules('promotion', PROMOTION_COLOR, [6, 3], false),
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
      legend: { labelFontSize: 11, titleFontSize: 11 },
      view: { stroke: '#cfd8dc' },
    },
    vconcat: [writes, health],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Ticks at whole binary units (0, 2 MiB, 4 MiB, ...) from 0 to the first one at or above `max`: at most about `count` steps. */
function binaryTicks(max: number, count: number): number[] {
  const raw = max / count;
  let step = 1;
  while (step < raw) step *= 2;
  const ticks: number[] = [];
  for (let v = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; v += step) ticks.push(v);
  return ticks;
}

/** Up to `count` round tick values from 0 to `top` (the label band above the bars gets none). */
function niceTicks(top: number, count: number): number[] {
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(Math.round(v * 1000) / 1000);
  return ticks;
}

/** Vega-Lite's warnings (a scale merged, ...) are for spec authors; a drill's stderr is no place for them. */
const quietLogger = {
  level(): number { return 0; },
  error(...args: readonly unknown[]) { throw new Error(`chart: ${args.join(' ')}`); },
  warn() { return quietLogger; },
  info() { return quietLogger; },
  debug() { return quietLogger; },
} as unknown as NonNullable<Parameters<typeof compile>[1]>['logger'];

/** Renders the chart, `widthPx` wide, to an SVG string in Node (Vega's headless view: no browser, no canvas). */
export async function renderTimelineSvg(data: ChartData, widthPx: number = CHART_WIDTHS.wide): Promise<string> {
  const vega = compile(timelineSpec(data, widthPx), { logger: quietLogger }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
