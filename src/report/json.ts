import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const REPORT_JSON = 'report.json';

/** report.json: the RunResult as is; its top-level names are the contract other tools read. */
export function renderJson(result: RunResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

export const jsonReporter: Reporter = {
  name: 'json',
  async onEnd(result, { reportDir }) {
    await writeFile(join(reportDir, REPORT_JSON), renderJson(result));
    return [REPORT_JSON];
  },
};
