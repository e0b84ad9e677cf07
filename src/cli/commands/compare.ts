import { EXIT } from '../../errors.ts';
import { compareRuns, parseTolerances, renderComparisonMarkdown } from '../../compare/compare.ts';
import { loadRuns } from '../../compare/load-runs.ts';
import { printLine } from '../output.ts';

export interface CompareFlags {
  tolerance?: string[];
  json?: boolean;
}

/**
 * `pgdrill compare <A> <B>`: per scenario, every metric of the baseline A
 * beside the candidate B with the difference; exit 1 when B regressed beyond
 * a tolerance, 0 when not, 2 on bad input. Markdown, or JSON with --json.
 */
export async function compareCommand(a: string, b: string, flags: CompareFlags): Promise<number> {
  const tolerances = parseTolerances(flags.tolerance ?? []);
  const [runsA, runsB] = [await loadRuns(a), await loadRuns(b)];
  const comparison = compareRuns({ label: a, runs: runsA }, { label: b, runs: runsB }, tolerances);
  printLine(flags.json ? JSON.stringify(comparison, null, 2) : renderComparisonMarkdown(comparison));
  return comparison.regressions > 0 ? EXIT.thresholdFailed : EXIT.pass;
}
