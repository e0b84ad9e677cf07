/**
 * `npm run bench` runs every bench; `npm run bench -- workload` the named
 * ones. Prints one readable table per bench. Exit code 2 for an unknown name;
 * a missed target is reported in the table, not as a failure: benches inform,
 * they do not gate.
 */
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './bench-result.ts';
import { benches } from './registry.ts';

async function main(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(benches);
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(benches).join(', ')})\n`);
    return 2;
  }
  for (const name of names) {
    const bench = benches[name];
    if (!bench) continue;
    process.stdout.write(`running ${name} ...\n`);
    const started = performance.now();
    const result = await bench();
    process.stdout.write(format(result, performance.now() - started));
  }
  return 0;
}

export function format(result: BenchResult, elapsedMs: number): string {
  const header = ['metric', 'value', 'unit', 'target'];
  const body = result.rows.map((r) => [
    r.metric,
    String(r.value),
    r.unit ?? '',
    r.target === undefined ? '' : `${r.target} ${r.met ? 'met' : 'MISSED'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [
    '',
    `${result.title}  [${result.name}, ${(elapsedMs / 1000).toFixed(1)} s]`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...result.notes.map((n) => `  · ${n}`),
    '',
    '',
  ].join('\n');
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(3);
    },
  );
}
