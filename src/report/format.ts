import { METRICS, type MetricName, type MetricUnit } from '../checks/metric-catalogue.ts';
import type { RunResult } from './run-result.ts';

/** A metric's value with its unit, or why it has none (shared by the Markdown and HTML reports). */
export function valueText(metric: MetricName, value: number | null, r: Pick<RunResult, 'unmeasured'>): string {
  if (value === null || value === undefined) {
    const why = r.unmeasured[metric];
    return why ? `— (not measured: ${why})` : '— (no finite value: never recovered)';
  }
  const unit = METRICS[metric]?.unit;
  return unit === undefined ? String(value) : amountText(unit, value);
}

/** A value as the reports show it: seconds with "s", bytes in binary units (bytesText), counts as plain numbers. */
export function amountText(unit: MetricUnit, value: number): string {
  if (unit === 'seconds') return `${value} s`;
  if (unit === 'bytes') return bytesText(value);
  return String(value);
}

/** Like amountText, and counts name what they count ("5 failures", "1 write"): for a number read on its own, such as a tolerance. */
export function amountWithUnitText(unit: MetricUnit, value: number): string {
  if (unit === 'seconds' || unit === 'bytes') return amountText(unit, value);
  return `${value} ${Math.abs(value) === 1 ? unit.replace(/s$/, '') : unit}`;
}

/** A count of keys with the first ten of them ("none" for zero; "…" when more exist than are shown). */
export function keyCountText(count: number, items: readonly string[]): string {
  return keyCountParts(count, items, (key) => key).join('');
}

/** keyCountText's pieces, each key as `quote` makes it (a code span in a report). */
export function keyCountParts<T>(count: number, items: readonly string[], quote: (key: string) => T): (string | T)[] {
  if (count === 0) return ['none'];
  const shown = items.slice(0, 10).flatMap((key, i) => (i === 0 ? [quote(key)] : [', ', quote(key)]));
  return [`${count}: `, ...shown, ...(count > Math.min(10, items.length) ? [', …'] : [])];
}

/** A command line as a person would retype it: arguments with spaces or quotes are single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function secondsText(value: number | null, whenNull = '—'): string {
  return value === null ? whenNull || '—' : `${value} s`;
}

/**
 * Bytes as a person reads them, the one way every report shows them (tables,
 * the chart's axis, compare): binary units with at most one decimal,
 * 2800000 → "2.7 MiB", 16777216 → "16 MiB", 800 → "800 B".
 */
export function bytesText(value: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 'B';
  for (const u of units) {
    if (Math.abs(scaled) < 1024) break;
    scaled /= 1024;
    unit = u;
  }
  if (unit === 'B') return `${value} B`;
  const rounded = Math.round(scaled * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} ${unit}`;
}
