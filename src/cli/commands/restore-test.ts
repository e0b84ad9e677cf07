import { join, relative } from 'node:path';
import { verdictExitCode } from '../../judge/verdict.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { loadRestoreTestConfig } from '../../runner/restore-test-config.ts';
import { runRestoreTest } from '../../runner/restore-test.ts';
import { openRestoreSource } from '../../targets/restore-sources.ts';
import { withInterrupts } from '../interrupts.ts';
import { newRunId } from '../local-options.ts';
import { cliProgress, logLine, printLine } from '../output.ts';

export interface RestoreTestFlags {
  config: string;
  reportDir?: string;
}

/**
 * `pgdrill restore-test --config FILE`: restores an existing repository's
 * latest backup (or a time) into a scratch instance, checks it, reports like
 * a drill, and removes the scratch. Read-only for the source.
 */
export async function restoreTestCommand(flags: RestoreTestFlags): Promise<number> {
  // Before anything starts (exit 2): the config, and the source (a local run that exists here; a Cluster with an object store).
  const config = loadRestoreTestConfig(flags.config);
  const runId = newRunId();
  const { source, readOnly } = await openRestoreSource(config.source.kind === 'local' ? { ...config.source, stanza: config.stanza } : config.source, runId);
  const reportDir = join(flags.reportDir ?? 'reports', `restore-test-${runId}`);
  logLine(`pgdrill: restore test ${runId} of ${source.description}; read-only for the source (${readOnly})`);
  const teardowns = new TeardownStack();
  const progress = cliProgress();
  const outcome = await withInterrupts(teardowns, logLine, (signal) =>
    runRestoreTest({ config, source, runId, reportDir, progress, signal, teardowns, publish: { ...(process.env.GITHUB_STEP_SUMMARY ? { stepSummary: process.env.GITHUB_STEP_SUMMARY } : {}), log: logLine } }),
  );
  const { result } = outcome;
  printLine(`restore-test: ${result.verdict.toUpperCase()}`);
  for (const reason of result.verdictReasons) printLine(`  ${reason}`);
  const m = result.metrics;
  printLine(`  restore_seconds=${m.restore_seconds ?? 'null'} restore_row_count=${m.restore_row_count ?? 'null'} amcheck_errors=${m.amcheck_errors ?? 'null'} restore_assertions_failed=${m.restore_assertions_failed ?? 'null'}`);
  for (const t of result.thresholds) printLine(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.expression} (${t.metric} = ${t.value ?? 'null'})`);
  for (const a of result.evidence?.restoreTest?.assertions ?? []) if (!a.ok) printLine(`  assertion "${a.name}" did not hold: expected ${JSON.stringify(a.expected)}, got ${a.error ?? JSON.stringify(a.got)}`);
  printLine(`  report: ${relative(process.cwd(), join(reportDir, 'report.md'))}`);
  return verdictExitCode(result.verdict);
}
