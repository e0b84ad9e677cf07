import { EXIT, type ExitCode } from '../errors.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'skipped' | 'interrupted';

export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'skipped', 'interrupted'];

/**
 * Strongest first, like Jepsen's valid? merge (false > unknown > true):
 * an interrupted run's numbers are partial, so nothing it says is a verdict
 * to gate on; a failure outranks not knowing; a skipped part means the whole
 * was not shown to pass.
 */
const PRECEDENCE: readonly Verdict[] = ['interrupted', 'fail', 'inconclusive', 'skipped', 'pass'];

/** Merges verdicts of parts (checkers, thresholds, runs of a suite); nothing to merge is a pass. */
export function mergeVerdicts(...verdicts: readonly Verdict[]): Verdict {
  let best: Verdict = 'pass';
  for (const v of verdicts) if (PRECEDENCE.indexOf(v) < PRECEDENCE.indexOf(best)) best = v;
  return best;
}

/** The shape of an evaluated threshold this module needs (see scenario/thresholds.ts). */
export interface JudgedThreshold {
  expression: string;
  metric: string;
  value: number | null;
  ok: boolean;
}

export interface ThresholdJudgement {
  verdict: Verdict;
  /** One line per broken or unmeasured threshold, for the report and the console. */
  reasons: string[];
}

/**
 * Thresholds decide pass or fail (k6: checks observe, thresholds gate).
 * A threshold over a null metric never passes: it is inconclusive when the
 * metric could not be measured (listed in `unmeasured`), and a failure when
 * null means unbounded (a fault after which no write was ever acknowledged).
 */
export function judgeThresholds(
  results: readonly JudgedThreshold[],
  unmeasured: Readonly<Record<string, string | undefined>>,
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
    } else {
      verdicts.push('fail');
      reasons.push(`${r.expression} failed: ${r.metric} has no finite value (no write was acknowledged after a fault)`);
    }
  }
  return { verdict: mergeVerdicts(...verdicts), reasons };
}

/**
 * Exit codes of shared/DESIGN.md. A skipped scenario exits 0: it is reported
 * as skipped with its reason, and a suite merging it with a pass is skipped.
 */
export function verdictExitCode(verdict: Verdict): ExitCode {
  switch (verdict) {
    case 'pass':
    case 'skipped':
      return EXIT.pass;
    case 'fail':
      return EXIT.thresholdFailed;
    case 'inconclusive':
      return EXIT.infrastructure;
    case 'interrupted':
      return EXIT.interrupted;
    default:
      return assertNever(verdict);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected verdict ${String(value)}`);
}
