import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGDRILL_BIN, type CliResult } from '../../../test/support/cli.ts';
import { mountReadOnlyFolder, type ReadOnlyFolder } from '../../../test/support/read-only-folder.ts';

const IS_ROOT = process.getuid?.() === 0;
/** The deadline for a refusal: today's /proc case spins forever, so it is killed after this. */
const REFUSAL_MS = 20_000;

/** `pgdrill run primary-kill --report-dir <dir>`, as `nobody` when asked (root may write anywhere), killed at the deadline. */
async function runWithReportDir(reportDir: string, options: { asNobody?: boolean } = {}): Promise<CliResult & { killed: boolean }> {
  const args = [PGDRILL_BIN, 'run', 'primary-kill', '--report-dir', reportDir];
  const [command, argv] = options.asNobody
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args]]
    : [process.execPath, args];
  // Docker is a socket that does not exist: nothing may get as far as the engine.
  const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/pgdrill-test-docker.sock' };
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, REFUSAL_MS);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (c, s) => resolve({ code: c, signal: s })),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, killed };
}

function expectRefusal(result: CliResult & { killed: boolean }, message: RegExp): void {
  expect(result.killed, 'still running at the deadline').toBe(false);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  // One line, and no "running ..." before it: refused before anything started.
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stdout).toBe('');
}

describe('pgdrill run --report-dir: checked before anything starts (exit 2, one line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-report-dir-'));
  let readOnly: ReadOnlyFolder | { skipped: string };

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    readOnly = await mountReadOnlyFolder(join(dir, 'read-only'));
  });
  afterAll(async () => {
    if ('unmount' in readOnly) await readOnly.unmount();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([['/proc/x'], ['/proc/x/reports'], ['/sys/x'], ['/dev/shm/../x']])('%s: refused as a kernel file system, never hangs', async (reportDir) => {
    expectRefusal(await runWithReportDir(reportDir), /--report-dir .*: inside \/(proc|sys|dev), a kernel file system/);
  }, REFUSAL_MS + 10_000);

  it('an existing file: refused, the file untouched', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    expectRefusal(await runWithReportDir(file), /--report-dir .*a-file: is a file, not a folder/);
    expect(existsSync(file)).toBe(true);
  }, REFUSAL_MS + 10_000);

  it('a folder below an existing file: refused naming the file', async () => {
    const file = join(dir, 'another-file');
    writeFileSync(file, 'not a folder');
    expectRefusal(await runWithReportDir(join(file, 'reports')), /another-file is a file, not a folder/);
  }, REFUSAL_MS + 10_000);

  it.skipIf(process.getuid === undefined)('a folder this user cannot write to: refused as not writable, nothing created', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    // root writes anywhere: the CLI then runs as nobody.
    expectRefusal(await runWithReportDir(join(locked, 'reports'), { asNobody: IS_ROOT }), /locked is not writable by this user/);
    expect(readdirSync(locked)).toEqual([]);
  }, REFUSAL_MS + 10_000);

  it('a read-only file system: refused as read-only, nothing created', async (context) => {
    if (!('unmount' in readOnly)) return context.skip(readOnly.skipped);
    expectRefusal(await runWithReportDir(join(readOnly.path, 'reports')), /read-only is on a read-only file system/);
    expect(readdirSync(readOnly.path)).toEqual([]);
  }, REFUSAL_MS + 10_000);
});
