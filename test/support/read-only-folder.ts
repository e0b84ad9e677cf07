import { execFile } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ReadOnlyFolder {
  path: string;
  unmount(): Promise<void>;
}

/**
 * An empty folder on a read-only file system (a 1 MiB tmpfs mounted ro), for
 * tests of what pgdrill does where it cannot write. Needs root and mount;
 * otherwise the reason to skip.
 */
export async function mountReadOnlyFolder(path: string): Promise<ReadOnlyFolder | { skipped: string }> {
  if (process.getuid?.() !== 0) return { skipped: 'mounting a read-only file system needs root' };
  mkdirSync(path, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m,mode=0755', 'pgdrill-test-ro', path]);
  } catch (error) {
    rmdirSync(path);
    return { skipped: `mount of a read-only tmpfs failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  return {
    path,
    async unmount() {
      await run('umount', [path]);
      rmdirSync(path);
    },
  };
}
