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

/**
 * Exit codes of docs/design.md. A skipped scenario exits 0: it is reported
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
