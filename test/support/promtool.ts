import { execFile } from 'node:child_process';
import { ensureDebianTool, type ToolCheck } from './debian-package.ts';

export const PROMTOOL = '/usr/bin/promtool';

/** Debian's promtool (in the prometheus package), installed with apt-get when missing and root. */
export function ensurePromtool(): Promise<ToolCheck> {
  return ensureDebianTool(PROMTOOL, 'prometheus');
}

/** `promtool check metrics` on a text exposition: its exit code and what it printed (its lint findings). */
export function checkMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL, ['check', 'metrics'], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin!.end(text);
  });
}
