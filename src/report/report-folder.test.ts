import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { checkReportFolder } from './report-folder.ts';

describe('checkReportFolder', () => {
  it('accepts a folder that does not exist yet, creating nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-report-folder-'));
    expect(checkReportFolder(join(dir, 'reports', 'nightly'))).toBe(join(dir, 'reports', 'nightly'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a link that leads into /proc, without creating anything there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-report-folder-'));
    symlinkSync('/proc/self', join(dir, 'proc-link'));
    expect(() => checkReportFolder(join(dir, 'proc-link', 'x'))).toThrow(UsageError);
    expect(() => checkReportFolder(join(dir, 'proc-link', 'x'))).toThrow(/inside \/proc/);
    expect(existsSync('/proc/self/x')).toBe(false);
  });

  it('names the flag and the folder in its one line', () => {
    expect(() => checkReportFolder('/proc/x')).toThrow('--report-dir /proc/x: inside /proc, a kernel file system where no report can be written: choose a folder on disk');
  });
});
