import { createLiveProgress, createProgress, type Progress } from '../progress/progress.ts';

/**
 * Progress goes to stderr; results (endpoints, status, JSON) go to stdout, so
 * scripts can pipe them. On a terminal a live line shows the running phases'
 * elapsed time; in a pipe, a log file or CI (CI set) only plain lines, each
 * stamped with the time since the start and, where no live line shows it,
 * the wall-clock time.
 */
export function cliProgress(env: Readonly<Record<string, string | undefined>> = process.env): Progress {
  if (process.stderr.isTTY && !isCi(env)) return createLiveProgress({ write: (text) => process.stderr.write(text) });
  return createProgress((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
}

/** CI=true (GitHub Actions, GitLab, most others), or any CI value but "false"/"0". */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function logLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
