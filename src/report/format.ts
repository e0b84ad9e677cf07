import { METRICS, type MetricName } from '../checks/metric-names.ts';
import type { RunResult } from './run-result.ts';

/** A metric's value with its unit, or why it has none (shared by the Markdown and HTML reports). */
export function valueText(metric: MetricName, value: number | null, r: Pick<RunResult, 'unmeasured'>): string {
  if (value === null || value === undefined) {
    const why = r.unmeasured[metric];
    return why ? `— (not measured: ${why})` : '— (no finite value: never recovered)';
  }
  const unit = METRICS[metric]?.unit;
  return unit === 'seconds' ? `${value} s` : unit === 'bytes' ? bytesText(value) : String(value);
}

/** A count of keys with the first ten of them ("none" for zero; "…" when more exist than are shown). */
export function keyCountText(count: number, items: readonly string[], quote: (key: string) => string = (key) => key): string {
  if (count === 0) return 'none';
  const shown = items.slice(0, 10).map(quote).join(', ');
  return count > Math.min(10, items.length) ? `${count}: ${shown}, …` : `${count}: ${shown}`;
}

export function secondsText(value: number | null, whenNull = '—'): string {
  return value === null ? whenNull || '—' : `${value} s`;
}

/** Bytes as a person reads them: 2800000 → "2800000 (2.7 MiB)". */
export function bytesText(value: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = '';
  for (const u of units) {
    if (Math.abs(scaled) < 1024) break;
    scaled /= 1024;
    unit = u;
  }
  return unit === '' ? `${value} B` : `${value} (${scaled.toFixed(1)} ${unit})`;
}
