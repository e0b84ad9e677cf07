import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PGDRILL_BIN = fileURLToPath(new URL('../../bin/pgdrill.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the real CLI as a user would; `done` resolves when it exits. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
  const child = spawn(process.execPath, [PGDRILL_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Waits until the CLI's output contains `text` (or it exits / the time is up). */
export async function waitForOutput(cli: { output: () => string; done: Promise<CliResult> }, text: string | RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void cli.done.then(() => (exited = true));
  const seen = (): boolean => {
    const out = cli.output();
    return typeof text === 'string' ? out.includes(text) : text.test(out);
  };
  while (performance.now() < deadline && !exited) {
    if (seen()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  // It may have printed the text just before it exited.
  return seen();
}
