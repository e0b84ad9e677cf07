import { $, ProcessOutput } from 'zx';
import { CommandError } from '../../errors.ts';

export interface HostCommandOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  /** Called with each line the command prints (stdout and stderr), for progress. */
  onLine?: (line: string) => void;
}

/** Runs a program on the host (apt-get, debootstrap, ...); a failure keeps its output. */
export async function runHostCommand(program: string, args: string[], options: HostCommandOptions = {}): Promise<string> {
  const started = performance.now();
  const shell = $({
    quiet: true,
    nothrow: true,
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    timeout: options.timeoutMs,
  });
  const child = shell`${program} ${args}`;
  if (options.onLine) {
    const onLine = options.onLine;
    let buffered = '';
    const feed = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
  }
  const output: ProcessOutput = await child;
  if (output.exitCode !== 0) {
    throw new CommandError({
      command: [program, ...args].join(' '),
      code: output.exitCode,
      stdout: output.stdout,
      stderr: output.stderr + (output.signal ? `\nkilled by ${output.signal}` : ''),
      durationMs: performance.now() - started,
    });
  }
  return output.stdout;
}
