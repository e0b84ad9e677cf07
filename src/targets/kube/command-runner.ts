import { $ } from 'zx';
import { CommandError } from '../../errors.ts';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the program could not be started or was killed by a signal. */
  code: number | null;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Written to the program's standard input. */
  input?: string;
}

/**
 * Runs a host program (docker, kind, kubectl) and returns what it printed.
 * Never throws for a non-zero exit: callers decide (see `runChecked`).
 * Injected everywhere, so tests replace it with a recording fake.
 */
export type CommandRunner = (program: string, args: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

/** The real runner, through zx (no shell: arguments are passed as they are). */
export const hostCommandRunner: CommandRunner = async (program, args, options = {}) => {
  const shell = $({ quiet: true, nothrow: true, timeout: options.timeoutMs, input: options.input });
  try {
    const output = await shell`${program} ${args}`;
    return { stdout: output.stdout, stderr: output.stderr, code: output.exitCode };
  } catch (error) {
    // Not even started (ENOENT): report it like a shell would.
    return { stdout: '', stderr: error instanceof Error ? error.message : String(error), code: null };
  }
};

/** Runs a command and throws a CommandError (with its output) unless it exits 0. */
export async function runChecked(
  runner: CommandRunner,
  program: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const started = performance.now();
  const result = await runner(program, args, options);
  if (result.code !== 0) {
    throw new CommandError({
      command: [program, ...args].join(' '),
      code: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: performance.now() - started,
    });
  }
  return result.stdout;
}
