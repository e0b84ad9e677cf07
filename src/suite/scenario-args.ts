import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UsageError } from '../errors.ts';

const SCENARIO_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * The scenarios `pgdrill run` was given, in order: each argument is a
 * scenario (a name or a file), or a folder standing for every scenario file
 * in it, sorted by name. A folder with none is bad input (exit 2).
 * `isSuite` is true for more than one argument or any folder.
 */
export async function expandScenarioArgs(args: readonly string[]): Promise<{ scenarios: string[]; isSuite: boolean }> {
  const scenarios: string[] = [];
  let sawFolder = false;
  for (const arg of args) {
    const info = await stat(arg).catch(() => null);
    if (!info?.isDirectory()) {
      scenarios.push(arg);
      continue;
    }
    sawFolder = true;
    const files = (await readdir(arg, { withFileTypes: true }))
      .filter((e) => e.isFile() && SCENARIO_EXTENSIONS.includes(extname(e.name)) && !/\.(test|spec|d)\.[mc]?[tj]s$/.test(e.name))
      .map((e) => join(arg, e.name))
      .sort();
    if (files.length === 0) throw new UsageError(`${arg}: no scenario file (${SCENARIO_EXTENSIONS.join(', ')}) in this folder`);
    scenarios.push(...files);
  }
  if (scenarios.length === 0) throw new UsageError('no scenario given');
  return { scenarios, isSuite: sawFolder || scenarios.length > 1 };
}
