import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ToolCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Makes a tool from a Debian package available to a test, the way the
 * project's CI machine gets it: installed with apt-get when missing and we
 * are root. Otherwise the caller skips, with the returned reason.
 */
export async function ensureDebianTool(path: string, pkg: string, options: { recommends?: boolean } = {}): Promise<ToolCheck> {
  if (existsSync(path)) return { ok: true, path };
  if (process.getuid?.() !== 0) return { ok: false, reason: `${path} is missing and this is not root: apt-get install ${pkg} to run this test` };
  if (!existsSync('/usr/bin/apt-get')) return { ok: false, reason: `${path} is missing and there is no apt-get to install ${pkg}` };
  const install = ['install', '-y', '-q', ...(options.recommends ? [] : ['--no-install-recommends']), pkg];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const limit = { env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('apt-get', install, limit);
  } catch {
    // A fresh machine's package lists may be missing or stale.
    try {
      await run('apt-get', ['update', '-q'], limit);
      await run('apt-get', install, limit);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n').slice(-3).join(' ') : String(error);
      return { ok: false, reason: `apt-get install ${pkg} failed: ${message}` };
    }
  }
  return existsSync(path) ? { ok: true, path } : { ok: false, reason: `apt-get installed ${pkg} but ${path} is still missing` };
}
