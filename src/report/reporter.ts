import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from './run-result.ts';
import type { SuiteResult } from './suite-result.ts';

export interface RunReportContext {
  /** Directory the run's report files go to (created before any reporter runs). */
  reportDir: string;
  /**
   * The run is one of a suite's. A reporter whose output stands for the whole
   * invocation (the job summary, the Pushgateway) then leaves it to onSuite.
   */
  partOfSuite: boolean;
  /** A line for the person running pgdrill (stderr in the CLI). */
  log: (line: string) => void;
}

export interface SuiteReportContext {
  /** Directory of the suite's own files, beside its runs' folders. */
  suiteDir: string;
  log: (line: string) => void;
}

/**
 * A reporter (Playwright style): a name and hooks, called with results that
 * are already redacted. onRun is called once a run's result is final,
 * onSuite once every run of a suite is. Each returns the files it wrote,
 * relative to its directory (none for one that writes elsewhere). A hook
 * may throw: publish.ts records it and the other reporters still run.
 */
export interface Reporter {
  readonly name: string;
  onRun(result: RunResult, context: RunReportContext): Promise<string[]>;
  onSuite?(suite: SuiteResult, results: readonly RunResult[], context: SuiteReportContext): Promise<string[]>;
}

export type ReporterOutcome =
  | { reporter: string; files: string[] }
  | { reporter: string; error: string };

/** Writes one report file into `dir` and returns its name, as a hook returns the files it wrote. */
export async function writeReportFile(dir: string, name: string, text: string): Promise<string[]> {
  await writeFile(join(dir, name), text);
  return [name];
}
