import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { CommandError, InfrastructureError } from '../../errors.ts';

export interface PodExecResult {
  stdout: string;
  stderr: string;
  /** Exit code reported by the API server; null when it reported a failure without one. */
  code: number | null;
}

/**
 * The exec stream closed without an exit status: the API server or the
 * kubelet gave up on it, or the container's PID 1 died under the command
 * (the kubelet tears the session down with the container).
 */
export class ExecStreamClosed extends InfrastructureError {}

/**
 * Runs a command in a pod's container through the API (what `kubectl exec`
 * does) and collects its output. A non-zero exit throws a CommandError
 * unless `check` is false.
 */
export async function execInPod(
  config: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  options: { timeoutMs?: number; check?: boolean; label?: string } = {},
): Promise<PodExecResult> {
  const started = performance.now();
  const label = options.label ?? command.join(' ');
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const sink = (into: Buffer[]): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        into.push(Buffer.from(chunk));
        callback();
      },
    });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const status = await new Promise<V1Status>((resolve, reject) => {
    let finished = false;
    const done = (outcome: V1Status | Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => done(new InfrastructureError(`"${label}" in pod ${target.pod} did not finish within ${timeoutMs} ms`)), timeoutMs);
    new Exec(config)
      .exec(target.namespace, target.pod, target.container, command, sink(stdout), sink(stderr), null, false, (s) => done(s))
      .then(
        (socket) => {
          // Closed without a status frame: the API server or the kubelet gave up on the stream.
          socket.on('close', () => setTimeout(() => done(new ExecStreamClosed(`"${label}" in pod ${target.pod}: the stream closed without an exit status`)), 50));
        },
        (error: unknown) => done(new InfrastructureError(`could not run "${label}" in pod ${target.pod}: ${describe(error)}`, { pod: target.pod }, error)),
      );
  });
  const result: PodExecResult = {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    code: exitCode(status),
  };
  if (options.check !== false && result.code !== 0) {
    throw new CommandError({ command: label, where: `pod ${target.pod}`, ...result, stderr: result.stderr || (status.message ?? ''), durationMs: performance.now() - started });
  }
  return result;
}

/** The exit code in an exec status: 0 on Success, the ExitCode cause otherwise. */
export function exitCode(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? NaN : Number(cause.message);
  return Number.isInteger(code) ? code : null;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const e = error as { message?: string; type?: string } | undefined;
  return e?.message ?? e?.type ?? String(error);
}
