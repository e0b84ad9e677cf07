import { HEADLINE_METRICS, type MetricName } from '../checks/metric-catalogue.ts';
import { checkMark, code, joined, list, paragraph, reportLink, rowClass, table, type Block, type Inline, type Section } from './document/blocks.ts';
import { valueText } from './format.ts';
import type { RunResult } from './run-result.ts';

/** Each threshold with its value and whether it held. */
export function thresholdsTable(r: RunResult, id?: string): Block {
  return table(
    ['Threshold', 'Value', 'Result'],
    r.thresholds.map((t) => [code(t.expression), t.undecided ? `— (cannot be judged: ${t.undecided})` : valueText(t.metric, t.value, r), checkMark(t.ok)]),
    { ...(id ? { id } : {}), rowClasses: r.thresholds.map((t) => rowClass(t.ok)) },
  );
}

/** A headline metric's value, or a bare dash: the full report says why one is missing. */
export function headlineValue(r: RunResult, metric: MetricName): string {
  const value = r.metrics[metric] ?? null;
  return value === null ? '—' : valueText(metric, value, r);
}

/**
 * A run in short, for a CI job summary and a suite's index: verdict, why,
 * the thresholds and the headline numbers, and where the run's full report
 * is (linked when `reportDir` is given, relative to the page).
 */
export function runSummarySection(r: RunResult, options: { reportDir?: string } = {}): Section {
  const blocks: Block[] = [];
  if (r.verdictReasons.length > 0) blocks.push(list(r.verdictReasons));
  if (r.thresholds.length > 0) blocks.push(thresholdsTable(r));
  blocks.push(paragraph(joined(HEADLINE_METRICS.map((m): Inline => [code(m), ' ', headlineValue(r, m)]), ' · ')));
  const where: Inline = [`${r.target}, run `, code(r.runId), `, ${r.startedAt}, ${r.durationSeconds} s`];
  blocks.push(paragraph(options.reportDir === undefined ? where : [where, ' — ', reportLink('full report', options.reportDir)]));
  return { title: { verdict: r.verdict, text: r.scenario }, blocks };
}
