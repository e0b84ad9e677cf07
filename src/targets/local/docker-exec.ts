import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { CommandError, InfrastructureError } from '../../errors.ts';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  durationMs: number;
}

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  /** Kill the wait after this long: the exec is reported as failed. */
  timeoutMs?: number;
  /** When false, a non-zero exit is returned instead of thrown. */
  check?: boolean;
  /** Printed in errors instead of the command itself (for commands carrying secrets). */
  label?: string;
}

/**
 * Runs a command inside a running container and collects its output.
 * Throws a CommandError (with stdout/stderr) on a non-zero exit unless check is false.
 */
export async function execIn(container: Docker.Container, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const label = options.label ?? cmd.join(' ');
  let exec: Docker.Exec;
  let stream: NodeJS.ReadWriteStream;
  try {
    exec = await container.exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      User: options.user ?? '',
      Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    });
    stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream;
  } catch (cause) {
    throw new InfrastructureError(`could not run "${label}" in container ${container.id.slice(0, 12)}`, { command: label }, cause);
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (c: Buffer) => stdout.push(c));
  err.on('data', (c: Buffer) => stderr.push(c));
  container.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stream.removeAllListeners();
            reject(new InfrastructureError(`"${label}" did not finish within ${options.timeoutMs} ms`, { command: label }));
          }, options.timeoutMs);
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  const info = await exec.inspect();
  const result: ExecResult = {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    code: info.ExitCode,
    durationMs: performance.now() - started,
  };
  if (options.check !== false && result.code !== 0) {
    throw new CommandError({ command: label, where: containerLabel(container), ...result });
  }
  return result;
}

export interface FileEntry {
  path: string;
  content: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Copies files into a container (created or running) as one tar archive. */
export async function putFiles(container: Docker.Container, files: FileEntry[]): Promise<void> {
  const archive = pack();
  for (const f of files) {
    archive.entry(
      { name: f.path.replace(/^\//, ''), mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0 },
      f.content,
    );
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  await container.putArchive(Buffer.concat(chunks), { path: '/' });
}

function containerLabel(container: Docker.Container): string {
  return `container ${container.id.slice(0, 12)}`;
}
