import { METRIC_NAMES, type MetricName } from '../checks/metric-catalogue.ts';
import type { Verdict } from '../judge/verdict.ts';
import type { RunResult } from './run-result.ts';

/** One metric over the repeated runs of a scenario: every value measured, and its spread. */
export interface MetricDistribution {
  metric: MetricName;
  /** Values of the runs that measured it, in run order. */
  values: number[];
  /** Runs that did not measure it (null: unmeasured or never recovered). */
  missing: number;
  min: number | null;
  median: number | null;
  max: number | null;
}

/** A scenario's repeated runs: their verdicts and each metric's distribution. */
export interface ScenarioDistribution {
  scenario: string;
  runIds: string[];
  verdicts: Verdict[];
  metrics: MetricDistribution[];
}

/**
 * Groups runs by scenario (first appearance first) and gives each metric's
 * min, median and max over the runs that measured it. A metric no run
 * measured is left out.
 */
export function scenarioDistributions(runs: readonly RunResult[]): ScenarioDistribution[] {
  const groups = new Map<string, RunResult[]>();
  for (const run of runs) groups.set(run.scenario, [...(groups.get(run.scenario) ?? []), run]);
  return [...groups].map(([scenario, group]) => ({
    scenario,
    runIds: group.map((r) => r.runId),
    verdicts: group.map((r) => r.verdict),
    metrics: METRIC_NAMES.flatMap((metric) => {
      const measured = group.map((r) => r.metrics[metric] ?? null);
      const values = measured.filter((v): v is number => v !== null && Number.isFinite(v));
      if (values.length === 0) return [];
      return [{ metric, values, missing: group.length - values.length, ...spread(values) }];
    }),
  }));
}

function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median: Math.round(median * 1e6) / 1e6, max: sorted.at(-1)! };
}
