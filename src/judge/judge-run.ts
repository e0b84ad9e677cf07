import type { RunAnalysis } from '../checks/analyze.ts';
import type { Threshold } from '../scenario/thresholds.ts';
import { evaluateThresholds, judgeThresholds, type ThresholdResult } from './thresholds.ts';
import { mergeVerdicts, type Verdict } from './verdict.ts';

/** The runner's own word on a run that did not complete normally. */
export interface RunnerOutcome {
  verdict: Exclude<Verdict, 'pass' | 'fail'>;
  reason: string;
}

export interface RunJudgementInput {
  /** The scenario's thresholds, as parsed before the run. */
  thresholds: readonly Threshold[];
  /** Null when the run ended before the checkers could run. */
  analysis: Pick<RunAnalysis, 'metrics' | 'unmeasured'> & Partial<Pick<RunAnalysis, 'atLeast' | 'voided'>> | null;
  outcome?: RunnerOutcome;
}

/** What the report says of a run: its verdict, why it is not a pass, and each threshold's result. */
export interface RunJudgement {
  verdict: Verdict;
  reasons: string[];
  thresholds: ThresholdResult[];
}

/**
 * A run's verdict: the thresholds over the metrics, merged with the
 * runner's outcome (interrupted > fail > inconclusive > skipped > pass). The
 * runner's reason comes first. A run whose measurements are void (a fault
 * that lapsed before its heal) is at best inconclusive. A run with neither checks nor an outcome
 * showed nothing, so it is inconclusive, never a pass.
 */
export function judgeRun(input: RunJudgementInput): RunJudgement {
  const { analysis, outcome } = input;
  const thresholds = analysis ? evaluateThresholds(input.thresholds, analysis.metrics, analysis.atLeast) : [];
  const verdicts: Verdict[] = [];
  const reasons: string[] = [];
  if (outcome) {
    verdicts.push(outcome.verdict);
    reasons.push(outcome.reason);
  }
  if (analysis) {
    // Measurements made void (a fault undone behind pgdrill's back) decide nothing: inconclusive.
    for (const reason of analysis.voided ?? []) {
      verdicts.push('inconclusive');
      reasons.push(reason);
    }
    const judged = judgeThresholds(thresholds, analysis.unmeasured);
    verdicts.push(judged.verdict);
    reasons.push(...judged.reasons);
  } else if (!outcome) {
    verdicts.push('inconclusive');
    reasons.push('the run ended before its checks ran');
  }
  return { verdict: mergeVerdicts(...verdicts), reasons, thresholds };
}
