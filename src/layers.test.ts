/**
 * The architecture of docs/design.md, checked on every import of every
 * source file (tests may import anything): the data flows scenario →
 * runner → target, workload, faults, observers → history → checks →
 * judge → reports, and no import points back up it. Workload, faults,
 * observers and checks meet only in the history; sibling targets never
 * import each other (kind and kubernetes share targets/kube, which
 * imports neither).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Bottom layers anyone may use. */
const BASE = ['errors', 'version', 'history', 'lifecycle', 'postgres', 'progress'];

/** What each module may import besides itself. A module missing here may import nothing of pgdrill. */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  version: [],
  history: ['errors'],
  lifecycle: ['errors'],
  postgres: [],
  progress: [],
  // Targets read the scenario's cluster shape (a type) and nothing above themselves.
  targets: [...BASE, 'scenario', 'targets/local', 'targets/kind', 'targets/kubernetes'],
  'targets/kube': [...BASE, 'targets', 'scenario'],
  'targets/local': [...BASE, 'targets', 'scenario'],
  'targets/kind': [...BASE, 'targets', 'targets/kube', 'scenario'],
  'targets/kubernetes': [...BASE, 'targets', 'targets/kube', 'scenario'],
  workload: [...BASE, 'targets'],
  observers: [...BASE, 'targets'],
  faults: [...BASE, 'targets'],
  checks: [...BASE, 'targets'],
  scenario: [...BASE, 'faults', 'checks'],
  judge: [...BASE, 'checks', 'scenario'],
  report: [...BASE, 'checks', 'judge', 'scenario', 'targets'],
  suite: [...BASE, 'checks', 'judge', 'scenario', 'report'],
  compare: [...BASE, 'checks', 'judge', 'scenario', 'report', 'suite'],
  runner: [...BASE, 'targets', 'workload', 'observers', 'faults', 'checks', 'judge', 'scenario', 'report', 'suite'],
  cli: [...BASE, 'targets', 'targets/local', 'workload', 'observers', 'faults', 'checks', 'judge', 'scenario', 'report', 'suite', 'compare', 'runner'],
  // The library entry (pgdrill/stack): the local stack for other test suites.
  stack: [...BASE, 'targets', 'targets/local'],
  // The public entry re-exports what scenario files and other tools use.
  index: ['scenario', 'faults', 'checks', 'judge', 'history', 'report', 'targets', 'targets/local', 'lifecycle', 'version'],
};

interface Import {
  from: string;
  to: string;
  file: string;
  line: number;
}

function moduleOf(path: string): string {
  const parts = relative(SRC, path).split(sep);
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  if (parts[0] === 'targets' && parts.length > 2) return `targets/${parts[1]}`;
  return parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every relative import and re-export of pgdrill's own sources, with where it is. */
export function importsOf(files: readonly string[]): Import[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    // Multi-line import lists included: from the keyword to its specifier.
    return [...text.matchAll(/^\s*(?:(?:import|export)\b[^;'"]*?\bfrom|import)\s*['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => ({
      from: moduleOf(file),
      to: moduleOf(resolve(dirname(file), m[1]!)),
      file: relative(SRC, file),
      line: text.slice(0, m.index).split('\n').length,
    }));
  });
}

/** Imports the architecture forbids, one line each. */
export function violations(imports: readonly Import[]): string[] {
  return imports
    .filter((i) => i.from !== i.to && !(ALLOWED[i.from] ?? []).includes(i.to))
    .map((i) => `${i.file}:${i.line}: ${i.from} must not import ${i.to}`);
}

describe('layers', () => {
  const imports = importsOf(sourceFiles(SRC));

  it('reads the imports of every source file', () => {
    expect(imports.length).toBeGreaterThan(300);
    expect(new Set(imports.map((i) => i.from))).toEqual(new Set(Object.keys(ALLOWED).filter((m) => imports.some((i) => i.from === m))));
  });

  it('no import points up the layers or between sibling targets', () => {
    expect(violations(imports)).toEqual([]);
  });

  it('would catch an upward import or a sibling-target import (the check can fail)', () => {
    const fake = (file: string, target: string): Import[] => importsOf([]).concat({ from: moduleOf(join(SRC, file)), to: moduleOf(join(SRC, target)), file, line: 1 });
    expect(violations(fake('faults/kinds/freeze.ts', 'runner/run-drill.ts'))).toEqual(['faults/kinds/freeze.ts:1: faults must not import runner']);
    expect(violations(fake('targets/kind/kind-target.ts', 'targets/local/labels.ts'))).toEqual(['targets/kind/kind-target.ts:1: targets/kind must not import targets/local']);
    expect(violations(fake('history/events.ts', 'cli/main.ts'))).toEqual(['history/events.ts:1: history must not import cli']);
    expect(violations(fake('checks/rto.ts', 'workload/writer.ts'))).toEqual(['checks/rto.ts:1: checks must not import workload']);
    expect(violations(fake('targets/kube/kube-target.ts', 'targets/kind/kind-driver.ts'))).toEqual(['targets/kube/kube-target.ts:1: targets/kube must not import targets/kind']);
  });
});
