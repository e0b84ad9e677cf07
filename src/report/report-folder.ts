import { mkdtempSync, realpathSync, rmdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * Kernel file systems: nothing a report could be written to, and Node 20's
 * recursive mkdirSync under /proc never returns (a synchronous loop that
 * also starves the signal handlers), so they are refused by path before
 * anything is created.
 */
const KERNEL_PREFIXES = ['/proc', '/sys', '/dev'];

/** statfs magic numbers of the same file systems, for one mounted elsewhere or reached through a link. */
const KERNEL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
]);

/**
 * Checks, before anything starts, that reports can be written under `path`
 * (the --report-dir): it is not on a kernel file system, it and its nearest
 * existing ancestor are folders, and a folder can be created there (a probe
 * folder is made and removed in the nearest existing ancestor; nothing else
 * is created). Returns the absolute path; a problem is a UsageError (exit 2)
 * that names the folder and what is wrong.
 */
export function checkReportFolder(path: string, flag = '--report-dir'): string {
  const absolute = resolve(path);
  const refuse = (why: string): never => {
    throw new UsageError(`${flag} ${path}: ${why}`, { path: absolute });
  };
  const onKernelPrefix = (p: string): string | undefined => KERNEL_PREFIXES.find((k) => p === k || p.startsWith(k + sep));
  const prefix = onKernelPrefix(absolute);
  if (prefix) refuse(`inside ${prefix}, a kernel file system where no report can be written: choose a folder on disk`);

  const ancestor = nearestExisting(absolute, refuse);
  if (!ancestor.isFolder) {
    refuse(ancestor.path === absolute ? 'is a file, not a folder' : `${ancestor.path} is a file, not a folder`);
  }
  const real = realpathSync(ancestor.path);
  const realPrefix = onKernelPrefix(real);
  if (realPrefix) refuse(`${ancestor.path} leads to ${real}, inside ${realPrefix}: choose a folder on disk`);
  const fileSystem = KERNEL_FILE_SYSTEMS.get(Number(statfsSync(real).type));
  if (fileSystem) refuse(`${ancestor.path} is on ${fileSystem}, a kernel file system: choose a folder on disk`);

  let probe: string;
  try {
    probe = mkdtempSync(join(ancestor.path, '.pgdrill-write-check-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = ancestor.path === absolute ? 'it' : ancestor.path;
    if (code === 'EROFS') return refuse(`${where} is on a read-only file system`);
    if (code === 'EACCES' || code === 'EPERM') return refuse(`${where} is not writable by this user`);
    return refuse(`cannot create a folder in ${ancestor.path} (${code ?? String(error)})`);
  }
  rmdirSync(probe);
  return absolute;
}

/** The path itself or its closest ancestor that exists, and whether that is a folder. */
function nearestExisting(absolute: string, refuse: (why: string) => never): { path: string; isFolder: boolean } {
  for (let current = absolute; ; current = dirname(current)) {
    try {
      return { path: current, isFolder: statSync(current).isDirectory() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file sits somewhere above; keep climbing to name it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') refuse(`cannot look at ${current} (${code ?? String(error)})`);
      if (dirname(current) === current) refuse('no part of it exists');
    }
  }
}
