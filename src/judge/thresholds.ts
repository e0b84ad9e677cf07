import type { MetricName } from '../checks/metric-catalogue.ts';
import type { Threshold, ThresholdOp } from '../scenario/thresholds.ts';
import { mergeVerdicts, type Verdict } from './verdict.ts';

/** One threshold after the run (the report.json contract: metric, expression, value, ok). */
export interface ThresholdResult {
  metric: MetricName;
  expression: string;
  /** The metric's value; null when it has none. */
  value: number | null;
  ok: boolean;
  /**
   * A null value known only to exceed a bound that does not decide the
   * threshold (an outage still going on when the drill ended, shorter than
   * the limit): why it cannot be judged. Absent otherwise.
   */
  undecided?: string;
}

/**
 * Evaluates thresholds over a run's metrics. A null or missing value never
 * passes. Given what an unbounded metric is known to exceed (`atLeast`), a
 * threshold the bound alone breaks fails; one it leaves open is undecided.
 */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  metrics: Readonly<Partial<Record<string, number | null>>>,
  atLeast: Readonly<Partial<Record<string, number>>> = {},
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = metrics[threshold.metric] ?? null;
    const bound = value === null ? atLeast[threshold.metric] : undefined;
    const result: ThresholdResult = {
      metric: threshold.metric,
      expression: threshold.expression,
      value,
      ok: value !== null && Number.isFinite(value) && holds(value, threshold.op, threshold.limit),
    };
    // The value lies above the bound: only "<", "<=" and "==" with a limit at or below it are decided (broken).
    const brokenByBound = bound !== undefined && ['<', '<=', '=='].includes(threshold.op) && bound >= threshold.limit;
    if (bound !== undefined && !brokenByBound) {
      result.undecided = `${threshold.metric} > ${bound}: no write was acknowledged in the ${bound} s the drill watched after a fault, too short to tell`;
    }
    return result;
  });
}

export interface ThresholdJudgement {
  verdict: Verdict;
  /** One line per broken or unmeasured threshold, for the report and the console. */
  reasons: string[];
}

/**
 * Thresholds decide pass or fail (k6: checks observe, thresholds gate).
 * A threshold over a null metric never passes: it is inconclusive when the
 * metric could not be measured (listed in `unmeasured`) or its known bound
 * leaves it open (`undecided`), and a failure when null means unbounded (a
 * fault after which no write was ever acknowledged, for longer than the limit).
 */
export function judgeThresholds(
  results: readonly ThresholdResult[],
  unmeasured: Readonly<Partial<Record<string, string>>>,
): ThresholdJudgement {
  const verdicts: Verdict[] = [];
  const reasons: string[] = [];
  for (const r of results) {
    if (r.ok) continue;
    if (r.value !== null) {
      verdicts.push('fail');
      reasons.push(`${r.expression} failed: ${r.metric} = ${r.value}`);
    } else if (unmeasured[r.metric] !== undefined) {
      verdicts.push('inconclusive');
      reasons.push(`${r.expression} not measured: ${unmeasured[r.metric]}`);
    } else if (r.undecided !== undefined) {
      verdicts.push('inconclusive');
      reasons.push(`${r.expression} cannot be judged: ${r.undecided}`);
    } else {
      verdicts.push('fail');
      reasons.push(`${r.expression} failed: ${r.metric} has no finite value (no write was acknowledged after a fault)`);
    }
  }
  return { verdict: mergeVerdicts(...verdicts), reasons };
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
