import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderPrometheus } from './prometheus.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

/**
 * The file a run's metrics get in a node_exporter textfile folder: one per
 * scenario and target, so the next run of the same scenario on the same
 * target replaces it (two files with the same series make node_exporter
 * refuse both). Characters outside [a-z0-9-] become "_".
 */
export function textfileName(result: Pick<RunResult, 'scenario' | 'target'>): string {
  const part = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]/g, '_');
  return `pgdrill-${part(result.scenario)}-${part(result.target)}.prom`;
}

/**
 * `--textfile-dir DIR`: each run's metrics.prom series written to
 * DIR/pgdrill-<scenario>-<target>.prom as the run ends (in a suite too, run
 * by run). Written to a temporary name without the .prom ending and renamed
 * into place, so the collector never reads half a file.
 */
export function textfileReporter(dir: string): Reporter {
  return {
    name: 'textfile',
    async onRun(result, { log }) {
      await mkdir(dir, { recursive: true });
      const file = join(dir, textfileName(result));
      const temporary = join(dir, `.${textfileName(result)}.${process.pid}.tmp`);
      await writeFile(temporary, await renderPrometheus([result]));
      await rename(temporary, file);
      log(`pgdrill: metrics for node_exporter's textfile collector: ${file}`);
      return [];
    },
  };
}
