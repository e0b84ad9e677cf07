import { mkdir } from 'node:fs/promises';
import { redactSecrets } from './redact.ts';
import type { Reporter, ReporterOutcome } from './reporter.ts';
import { reportersFor, type ReporterOptions } from './reporters.ts';
import type { RunResult } from './run-result.ts';
import type { SuiteResult } from './suite-result.ts';

export interface PublishOptions extends ReporterOptions {
  /** Where reporters say what they did beyond writing files (a push); default: nowhere. */
  log?: (line: string) => void;
  /** The reporters to run instead of reportersFor(options) (tests). */
  reporters?: readonly Reporter[];
}

export interface RunPublishOptions extends PublishOptions {
  /** The run's report folder (created if missing). */
  reportDir: string;
  /** The run is one of a suite's, published again as a whole by publishSuite. */
  partOfSuite?: boolean;
}

export interface SuitePublishOptions extends PublishOptions {
  /** The suite's folder (created if missing). */
  suiteDir: string;
}

/**
 * Writes every report of one run: each reporter's onRun, on a redacted copy
 * of the result. A reporter that throws is recorded, never rethrown: one
 * broken reporter must not cost the others' output (the JSON a CI gate
 * reads, the Markdown a person reads).
 */
export async function publishRun(result: RunResult, options: RunPublishOptions): Promise<ReporterOutcome[]> {
  await mkdir(options.reportDir, { recursive: true });
  const safe = redactSecrets(result);
  const context = { reportDir: options.reportDir, partOfSuite: options.partOfSuite ?? false, log: options.log ?? ignore };
  const hooks = (options.reporters ?? reportersFor(options)).map((reporter) => ({ name: reporter.name, run: () => reporter.onRun(safe, context) }));
  return runEach(hooks);
}

/**
 * Writes a suite's own reports (suite.json, index.md, index.html, one
 * junit.xml and one metrics.prom for every run, ...): each reporter's
 * onSuite, with the same safety as publishRun. Each run's own reports were
 * written by publishRun as it ended.
 */
export async function publishSuite(suite: SuiteResult, results: readonly RunResult[], options: SuitePublishOptions): Promise<ReporterOutcome[]> {
  await mkdir(options.suiteDir, { recursive: true });
  const safeSuite = redactSecrets(suite);
  const safeResults = redactSecrets(results);
  const context = { suiteDir: options.suiteDir, log: options.log ?? ignore };
  // Reporters without a suite hook (the run's own files only) have nothing to add here.
  const hooks = (options.reporters ?? reportersFor(options)).flatMap((reporter) => {
    const onSuite = reporter.onSuite;
    return onSuite ? [{ name: reporter.name, run: () => onSuite.call(reporter, safeSuite, safeResults, context) }] : [];
  });
  return runEach(hooks);
}

/** One after the other, in the list's order; a failure is kept as that reporter's outcome. */
async function runEach(hooks: readonly { name: string; run: () => Promise<string[]> }[]): Promise<ReporterOutcome[]> {
  const outcomes: ReporterOutcome[] = [];
  for (const hook of hooks) {
    try {
      outcomes.push({ reporter: hook.name, files: await hook.run() });
    } catch (error) {
      outcomes.push({ reporter: hook.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}

function ignore(): void {}
