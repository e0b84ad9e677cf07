/**
 * Every error pgdrill raises on purpose is a PgdrillError: it carries the exit
 * code the CLI must use and the context a user needs to act on it.
 * Exit codes follow docs/design.md: 2 bad usage or invalid scenario (found
 * before anything starts), 3 infrastructure problem, 130 interrupted.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 130;

export const EXIT = {
  pass: 0,
  thresholdFailed: 1,
  usage: 2,
  infrastructure: 3,
  interrupted: 130,
} as const satisfies Record<string, ExitCode>;

export class PgdrillError extends Error {
  readonly exitCode: ExitCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    options: { exitCode: ExitCode; context?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode;
    this.context = options.context ?? {};
  }
}

/** Bad command line or configuration: detected before anything starts (exit 2). */
export class UsageError extends PgdrillError {
  constructor(message: string, context?: Record<string, unknown>, cause?: unknown) {
    super(message, { exitCode: EXIT.usage, context, cause });
  }
}

/** The stack or the platform failed us: docker missing, a container never healthy (exit 3). */
export class InfrastructureError extends PgdrillError {
  constructor(message: string, context?: Record<string, unknown>, cause?: unknown) {
    super(message, { exitCode: EXIT.infrastructure, context, cause });
  }
}

/** A command (on the host or inside a container) that exited non-zero; keeps its output. */
export class CommandError extends InfrastructureError {
  readonly command: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;

  constructor(details: {
    command: string;
    code: number | null;
    stdout: string;
    stderr: string;
    durationMs: number;
    where?: string;
  }) {
    const tail = lastLine(details.stderr) || lastLine(details.stdout) || 'no output';
    const where = details.where ? ` in ${details.where}` : '';
    super(`${details.command}${where} exited with ${details.code ?? 'a signal'}: ${tail}`, {
      command: details.command,
      code: details.code,
      where: details.where,
    });
    this.command = details.command;
    this.code = details.code;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
    this.durationMs = details.durationMs;
  }
}

/** Ctrl-C or SIGTERM: cleanup ran, the run is reported as interrupted (exit 130). */
export class InterruptedError extends PgdrillError {
  constructor(signal: string) {
    super(`interrupted by ${signal}`, { exitCode: EXIT.interrupted, context: { signal } });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim().slice(0, 300);
}
