import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import type { RunResult } from '../report/run-result.ts';

/**
 * The runs behind a path given to `pgdrill compare`: a run's report folder
 * (report.json), its report.json itself, a suite folder (suite.json lists
 * its runs), or a folder of run folders (a --report-dir). Anything else is
 * bad input (exit 2), named in one line.
 */
export async function loadRuns(path: string): Promise<RunResult[]> {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder`);
  if (statSync(path).isFile()) return [await readReport(path)];
  if (existsSync(join(path, 'report.json'))) return [await readReport(join(path, 'report.json'))];
  if (existsSync(join(path, 'suite.json'))) {
    const suite = await readJson(join(path, 'suite.json'));
    const runs = (suite as { runs?: unknown }).runs;
    if (!Array.isArray(runs)) throw new UsageError(`${join(path, 'suite.json')}: not a pgdrill suite (no "runs" list)`);
    return Promise.all(runs.map((r: { dir?: unknown }) => {
      if (typeof r?.dir !== 'string') throw new UsageError(`${join(path, 'suite.json')}: a run without its "dir"`);
      return readReport(join(path, r.dir, 'report.json'));
    }));
  }
  const dirs = (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(path, e.name, 'report.json')));
  if (dirs.length === 0) throw new UsageError(`${path}: not a pgdrill report (no report.json or suite.json in it)`);
  return Promise.all(dirs.sort((x, y) => x.name.localeCompare(y.name)).map((d) => readReport(join(path, d.name, 'report.json'))));
}

async function readReport(file: string): Promise<RunResult> {
  const value = await readJson(file);
  const r = value as Partial<RunResult>;
  if (typeof r.scenario !== 'string' || typeof r.verdict !== 'string' || typeof r.metrics !== 'object' || r.metrics === null) {
    throw new UsageError(`${file}: not a pgdrill report.json (needs scenario, verdict and metrics)`);
  }
  return { unmeasured: {}, ...r } as RunResult;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
