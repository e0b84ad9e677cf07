import { createProgress, type Progress } from '../progress/progress.ts';

/** Progress goes to stderr; results (endpoints, status, JSON) go to stdout, so scripts can pipe them. */
export function cliProgress(): Progress {
  return createProgress((line) => process.stderr.write(`${line}\n`));
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function logLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
