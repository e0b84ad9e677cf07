import { appendFile } from 'node:fs/promises';
import { redactSecrets } from './redact.ts';

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
