import { appendFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { REPORT_MD, renderMarkdownSummary, renderSuiteMarkdown } from './markdown.ts';
import { redactSecrets } from './redact.ts';
import type { Reporter } from './reporter.ts';

/**
 * GitHub Actions' job summary: when GITHUB_STEP_SUMMARY names a file, the
 * Markdown is appended to it (other steps' summaries stay). Returns the file
 * written, or null when the variable is not set.
 */
export async function appendStepSummary(markdown: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | null> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return null;
  await appendFile(file, `${redactSecrets(markdown).trimEnd()}\n\n`);
  return file;
}

/**
 * The job summary as a reporter: a run alone appends its summary and where
 * its report.md is; a suite appends its index.md (its runs' summaries are
 * in it). Writes no file in the report folder.
 */
export function stepSummaryReporter(file: string): Reporter {
  const env = { GITHUB_STEP_SUMMARY: file };
  return {
    name: 'step-summary',
    async onRun(result, { reportDir, partOfSuite }) {
      if (partOfSuite) return [];
      await appendStepSummary(`${renderMarkdownSummary(result)}\nReport: \`${displayPath(join(reportDir, REPORT_MD))}\`\n`, env);
      return [];
    },
    async onSuite(suite, results) {
      await appendStepSummary(renderSuiteMarkdown(suite, results), env);
      return [];
    },
  };
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? resolve(path) : rel;
}
