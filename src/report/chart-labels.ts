import type { ChartData } from './chart-data.ts';

/** What a label on the timeline names, which also decides its colour and weight. */
export type LabelKind = 'fault' | 'rto' | 'promotion' | 'timeline';

export interface ChartLabel {
  kind: LabelKind;
  /** The moment it belongs to, seconds since the run started. */
  t: number;
  text: string;
}

/** A label placed in the band above the writes: its row (0 at the top) and its horizontal extent in plot pixels. */
export interface PlacedLabel extends ChartLabel {
  row: number;
  align: 'left' | 'right';
  /** Where the text starts and ends, pixels from the plot's left edge. */
  x0: number;
  x1: number;
}

/** Label text size in the chart (chart.ts uses it). */
export const LABEL_FONT_PX = 11;
/** Height of one row of labels. */
export const LABEL_ROW_PX = 15;
/**
 * A generous width per character of 11 px sans-serif text (DejaVu Sans,
 * the widest of the fonts the page asks for, averages about 6.6 px per
 * character of these labels, its bold about 7.3 px): labels placed with it
 * do not touch once drawn.
 */
const CHAR_PX = { normal: 7, bold: 7.8 } as const;
/** Space kept between two labels in a row, and between a label and its own marker. */
const GAP_PX = 6;

/** Every label the writes panel shows: each fault at its start, each RTO at its recovery write, each role change. */
export function chartLabels(data: ChartData): ChartLabel[] {
  return [
    ...data.faults.map((f): ChartLabel => ({ kind: 'fault', t: f.start, text: f.label })),
    ...data.rto.map((r): ChartLabel => ({ kind: 'rto', t: r.to ?? r.from, text: r.label })),
    ...data.roleChanges.map((c): ChartLabel => ({ kind: c.kind, t: c.t, text: c.label })),
  ].sort((a, b) => a.t - b.t);
}

export function labelWidthPx(label: ChartLabel): number {
  return Math.ceil(label.text.length * (label.kind === 'fault' ? CHAR_PX.bold : CHAR_PX.normal));
}

/**
 * Places labels in rows above the plot so that no two share space: each
 * starts at its moment (left-aligned), or ends there when it would run off
 * the plot's right edge, in the first row where it fits. Rows are added as
 * needed; markers' lines stop below the label band, so no line crosses a
 * label.
 */
export function placeLabels(labels: readonly ChartLabel[], domain: { start: number; end: number }, widthPx: number): PlacedLabel[] {
  const span = domain.end - domain.start || 1;
  const rows: Array<Array<[number, number]>> = [];
  return labels.map((label) => {
    const x = ((label.t - domain.start) / span) * widthPx;
    const width = Math.min(labelWidthPx(label), widthPx);
    const right = x + GAP_PX / 2 + width > widthPx;
    const x0 = Math.max(0, right ? x - GAP_PX / 2 - width : x + GAP_PX / 2);
    const x1 = Math.min(widthPx, x0 + width);
    let row = rows.findIndex((taken) => taken.every(([a, b]) => x1 + GAP_PX <= a || x0 >= b + GAP_PX));
    if (row === -1) row = rows.push([]) - 1;
    rows[row]!.push([x0, x1]);
    return { ...label, row, align: right ? 'right' : 'left', x0, x1 };
  });
}
