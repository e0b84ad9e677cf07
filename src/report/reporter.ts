import { mkdir } from 'node:fs/promises';
import { redactSecrets } from './redact.ts';
import type { RunResult } from './run-result.ts';

export interface ReportContext {
  /** Directory the report files go to (created if missing). */
  reportDir: string;
}

/**
 * A reporter (Playwright style): an optional hook called once the run's
 * result is final. Returns the files it wrote, relative to the report dir.
 */
export interface Reporter {
  readonly name: string;
  onEnd(result: RunResult, context: ReportContext): Promise<string[]>;
}

export type ReporterOutcome =
  | { reporter: string; files: string[] }
  | { reporter: string; error: string };

/**
 * Runs every reporter on a redacted copy of the result. A reporter that
 * throws is recorded, never rethrown: one broken reporter must not cost the
 * others' output (the JSON a CI gate reads, the Markdown a person reads).
 */
export async function runReporters(
  reporters: readonly Reporter[],
  result: RunResult,
  context: ReportContext,
): Promise<ReporterOutcome[]> {
  await mkdir(context.reportDir, { recursive: true });
  const safe = redactSecrets(result);
  const outcomes: ReporterOutcome[] = [];
  for (const reporter of reporters) {
    try {
      outcomes.push({ reporter: reporter.name, files: await reporter.onEnd(safe, context) });
    } catch (error) {
      outcomes.push({ reporter: reporter.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}
