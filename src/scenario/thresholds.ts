import { UsageError } from '../errors.ts';
import { METRIC_NAMES, isMetricName, type MetricName } from '../checks/metric-names.ts';
import { didYouMean } from './suggest.ts';

export const THRESHOLD_OPS = ['<', '<=', '==', '!=', '>=', '>'] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];

/** A parsed threshold: `<metric> <op> <number>`. */
export interface Threshold {
  metric: MetricName;
  op: ThresholdOp;
  limit: number;
  /** Canonical text, e.g. "rto_seconds <= 30": the name reports and JUnit use. */
  expression: string;
}

/** One threshold after the run (the report.json contract: metric, expression, value, ok). */
export interface ThresholdResult {
  metric: MetricName;
  expression: string;
  /** The metric's value; null when it has none. */
  value: number | null;
  ok: boolean;
}

const FORM = '"<metric> <op> <number>" with <op> one of < <= == != >= >';

/**
 * Parses a threshold before the run starts (k6 style), so a typo costs a
 * second, not a drill. Throws a UsageError naming the known metrics.
 */
export function parseThreshold(text: string): Threshold {
  if (typeof text !== 'string') throw new UsageError(`expected ${FORM}, got ${JSON.stringify(text)}`);
  const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new UsageError(`expected ${FORM}, got ${JSON.stringify(text)}`);
  const [, metric = '', op, number] = match;
  if (!isMetricName(metric)) {
    throw new UsageError(`unknown metric "${metric}"${didYouMean(metric, METRIC_NAMES)}; known metrics: ${METRIC_NAMES.join(', ')}`);
  }
  const limit = Number(number);
  return { metric, op: op as ThresholdOp, limit, expression: `${metric} ${op} ${limit}` };
}

/** Evaluates thresholds over a run's metrics. A null or missing value never passes. */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  metrics: Readonly<Partial<Record<string, number | null>>>,
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = metrics[threshold.metric] ?? null;
    return {
      metric: threshold.metric,
      expression: threshold.expression,
      value,
      ok: value !== null && Number.isFinite(value) && holds(value, threshold.op, threshold.limit),
    };
  });
}

function holds(value: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
    case '>=':
      return value >= limit;
    case '>':
      return value > limit;
    default:
      return assertNever(op);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected operator ${String(value)}`);
}
