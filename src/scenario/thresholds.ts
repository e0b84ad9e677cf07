import { UsageError } from '../errors.ts';
import { METRIC_NAMES, isMetricName, type MetricName } from '../checks/metric-catalogue.ts';
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
