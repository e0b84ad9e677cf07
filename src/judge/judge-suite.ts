import { mergeVerdicts, type Verdict } from './verdict.ts';

/**
 * A suite's verdict: the worst of its runs. A suite cut short (scenarios
 * left unrun) was not shown to pass, whatever its finished runs say.
 */
export function judgeSuite(runVerdicts: readonly Verdict[], notRun: number): Verdict {
  return mergeVerdicts(...runVerdicts, ...(notRun > 0 ? ['interrupted' as const] : []));
}
