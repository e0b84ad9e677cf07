import { writeReportFile, type Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const REPORT_JSON = 'report.json';
export const SUITE_JSON = 'suite.json';

/** report.json: the RunResult as is; its top-level names are the contract other tools read. */
export function renderJson(result: RunResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

export const jsonReporter: Reporter = {
  name: 'json',
  onRun: (result, { reportDir }) => writeReportFile(reportDir, REPORT_JSON, renderJson(result)),
  // suite.json: the suite's verdict and where each run's report.json is (what `pgdrill compare` reads).
  onSuite: (suite, _results, { suiteDir }) => writeReportFile(suiteDir, SUITE_JSON, JSON.stringify(suite, null, 2) + '\n'),
};
