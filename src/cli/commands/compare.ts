import { EXIT, UsageError } from '../../errors.ts';
import { compareRuns, parseTolerances, renderComparisonMarkdown, sameRunText } from '../../compare/compare.ts';
import { loadRuns } from '../../compare/load-runs.ts';
import { logLine, printLine } from '../output.ts';

export interface CompareFlags {
  tolerance?: string[];
  json?: boolean;
  /** A and B being the same run is exit 2 instead of a warning. */
  strict?: boolean;
}

/**
 * `pgdrill compare <A> <B>`: per scenario, every metric of the baseline A
 * beside the candidate B with the difference; exit 1 when B regressed beyond
 * a tolerance, 0 when not, 2 on bad input. Markdown, or JSON with --json.
 * A scenario whose A and B are the same run is a warning on stderr; with
 * --strict it is exit 2 (a certification wired to compare a run with itself
 * would otherwise pass).
 */
export async function compareCommand(a: string, b: string, flags: CompareFlags): Promise<number> {
  const tolerances = parseTolerances(flags.tolerance ?? []);
  const [runsA, runsB] = [await loadRuns(a), await loadRuns(b)];
  const comparison = compareRuns({ label: a, runs: runsA }, { label: b, runs: runsB }, tolerances);
  if (flags.strict && comparison.sameRuns.length > 0) {
    throw new UsageError(`--strict: ${comparison.sameRuns.map(sameRunText).join('; ')}`, { sameRuns: comparison.sameRuns });
  }
  for (const same of comparison.sameRuns) logLine(`pgdrill: warning: ${sameRunText(same)}`);
  printLine(flags.json ? JSON.stringify(comparison, null, 2) : renderComparisonMarkdown(comparison));
  return comparison.regressions > 0 ? EXIT.thresholdFailed : EXIT.pass;
}
