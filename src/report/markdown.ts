import { renderMarkdownDocument, renderMarkdownSections } from './document/render-markdown.ts';
import { writeReportFile, type Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';
import { runDocument } from './run-document.ts';
import { runSummarySection } from './run-summary.ts';
import { suiteDocument } from './suite-document.ts';
import type { SuiteResult } from './suite-result.ts';

export const REPORT_MD = 'report.md';
export const INDEX_MD = 'index.md';

/** report.md: the run's document (run-document.ts) as Markdown. */
export function renderMarkdown(r: RunResult): string {
  return renderMarkdownDocument(runDocument(r));
}

/**
 * The short form, for a CI job summary: verdict, why, the thresholds and
 * the headline numbers, and where the run ran (a link to its report.md
 * when `reportDir` is given).
 */
export function renderMarkdownSummary(r: RunResult, options: { level?: number; reportDir?: string } = {}): string {
  return renderMarkdownSections([runSummarySection(r, options.reportDir === undefined ? {} : { reportDir: options.reportDir })], options.level ?? 2);
}

/** index.md of a suite, which is also the suite's job summary. */
export function renderSuiteMarkdown(suite: SuiteResult, results: readonly RunResult[]): string {
  return renderMarkdownDocument(suiteDocument(suite, results));
}

export const markdownReporter: Reporter = {
  name: 'markdown',
  onRun: (result, { reportDir }) => writeReportFile(reportDir, REPORT_MD, renderMarkdown(result)),
  onSuite: (suite, results, { suiteDir }) => writeReportFile(suiteDir, INDEX_MD, renderSuiteMarkdown(suite, results)),
};
