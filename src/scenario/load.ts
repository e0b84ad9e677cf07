import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ScenarioError } from './errors.ts';
import { didYouMean } from './suggest.ts';
import type { Scenario } from './types.ts';
import { validateScenario } from './validate.ts';

export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute path of the file. */
  file: string;
  /** The file as the user named it (relative to the working directory when inside it): for messages and reports. */
  displayFile: string;
  /** sha256 of the file's bytes, hex: which exact drill ran. */
  sha256: string;
}

export interface LoadOptions {
  /** Where bare scenario names are looked up (the shipped scenarios/). */
  scenariosDir: string;
  /** Base of relative file paths (default process.cwd()). */
  cwd?: string;
}

const SCENARIO_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Scenario files import their API as 'pgdrill'. Inside this package that is
 * a self-reference through package.json "exports"; a scenario copied to a
 * user's own folder has no such package to find, so this tsconfig's `paths`
 * maps the name to this checkout's src/index.ts wherever the file lives.
 */
const SCENARIO_TSCONFIG = fileURLToPath(new URL('./scenario-tsconfig.json', import.meta.url));

/**
 * Loads and validates a scenario: a path to a file, or a bare name found as
 * <scenariosDir>/<name>.ts. Every problem (missing file, unknown name, syntax
 * error, a throw while the file runs, an invalid scenario) is a one-line
 * ScenarioError, before anything starts.
 */
export async function loadScenario(fileOrName: string, options: LoadOptions): Promise<LoadedScenario> {
  const cwd = options.cwd ?? process.cwd();
  const file = await resolveScenarioFile(fileOrName, options.scenariosDir, cwd);
  const displayFile = display(file, cwd);
  let source: Buffer;
  try {
    source = await readFile(file);
  } catch (error) {
    throw new ScenarioError({ file: displayFile, problem: `cannot read the file (${errorCode(error)})` }, error);
  }
  const exports = await importScenarioModule(file, displayFile);
  const scenario = validateScenario(exports.default, displayFile);
  return { scenario, file, displayFile, sha256: createHash('sha256').update(source).digest('hex') };
}

export interface ScenarioListing {
  name: string;
  description: string;
  file: string;
  /** Set when the file does not load: `pgdrill list` shows it instead of failing the whole list. */
  error?: string;
}

/** Every scenario file in `dir`, loaded and validated, by name. */
export async function listScenarios(dir: string): Promise<ScenarioListing[]> {
  const files = (await scenarioFiles(dir)).sort();
  const listings: ScenarioListing[] = [];
  for (const file of files) {
    const fallbackName = basename(file, extname(file));
    try {
      const { scenario } = await loadScenario(resolve(dir, file), { scenariosDir: dir, cwd: dir });
      listings.push({ name: scenario.name, description: scenario.description, file: resolve(dir, file) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      listings.push({ name: fallbackName, description: '', file: resolve(dir, file), error: message });
    }
  }
  return listings.sort((a, b) => a.name.localeCompare(b.name));
}

async function resolveScenarioFile(fileOrName: string, scenariosDir: string, cwd: string): Promise<string> {
  const isName = !/[\\/]/.test(fileOrName) && !SCENARIO_EXTENSIONS.includes(extname(fileOrName));
  if (!isName) {
    const file = isAbsolute(fileOrName) ? fileOrName : resolve(cwd, fileOrName);
    if (!(await exists(file))) throw new ScenarioError({ file: fileOrName, problem: 'no such file' });
    return file;
  }
  const file = resolve(scenariosDir, `${fileOrName}.ts`);
  if (await exists(file)) return file;
  const known = (await scenarioFiles(scenariosDir).catch(() => [])).map((f) => basename(f, extname(f))).sort();
  throw new ScenarioError({
    file: fileOrName,
    problem: `unknown scenario${didYouMean(fileOrName, known)}; known scenarios: ${known.join(', ') || `none in ${scenariosDir}`} (or give a path to a .ts file)`,
  });
}

async function importScenarioModule(file: string, displayFile: string): Promise<{ default?: unknown }> {
  try {
    return (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url, tsconfig: SCENARIO_TSCONFIG })) as { default?: unknown };
  } catch (error) {
    throw new ScenarioError({ file: displayFile, problem: loadProblem(error, file) }, error);
  }
}

/** One line out of whatever the TypeScript transform or the module threw. */
export function loadProblem(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // esbuild: "Transform failed with 1 error:\n/abs/file.ts:3:14: ERROR: Expected \"}\" but found \")\""
  const located = /:(\d+):(\d+): ERROR: (.+)/.exec(message);
  if (located) return `syntax error at line ${located[1]}, column ${located[2]}: ${located[3]!.trim()}`;
  if (error instanceof SyntaxError) return `syntax error: ${firstLine(message)}`;
  // A .ts file outside any "type": "module" package is loaded as CommonJS, where the pgdrill mapping does not apply.
  if (/Cannot find module 'pgdrill'/.test(message)) {
    return `cannot find the module 'pgdrill'; outside pgdrill's own folder, name the file .mts or put it under a package.json with "type": "module"`;
  }
  const code = errorCode(error);
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return `cannot load an import: ${firstLine(message).replaceAll(file, 'the scenario')}`;
  return `failed while loading: ${firstLine(message)}`;
}

async function scenarioFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && SCENARIO_EXTENSIONS.includes(extname(e.name)) && !/\.(test|spec|d)\.[mc]?[tj]s$/.test(e.name))
    .map((e) => e.name);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim().slice(0, 300);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
