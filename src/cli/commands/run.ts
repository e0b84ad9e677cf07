import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.ts';
import { verdictExitCode } from '../../checks/verdict.ts';
import type { DrillOutcome } from '../../runner/run-drill.ts';
import { runDrill } from '../../runner/run-drill.ts';
import { assertTargetAllows, type TargetChoice } from '../../runner/start-target.ts';
import { checkKindPrerequisites } from '../../targets/kind/index.ts';
import { TeardownStack } from '../../runner/teardown-stack.ts';
import { listScenarios, loadScenario } from '../../scenario/load.ts';
import { withInterrupts } from '../interrupts.ts';
import { newRunId, parseTarget } from '../local-options.ts';
import { cliProgress, logLine, printLine } from '../output.ts';

export const SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

export interface RunFlags {
  target?: string;
  reportDir?: string;
  keep?: boolean;
  port?: string;
  subnet?: string;
  context?: string;
  namespace?: string;
  allowDestructive?: string[];
}

const HEADLINE_METRICS = [
  'rto_seconds',
  'write_downtime_seconds',
  'rto_resolution_seconds',
  'lost_writes',
  'unexpected_writes',
  'phantom_writes',
  'split_brain_windows',
  'writes_ok',
  'writes_failed',
  'writes_unknown',
] as const;

/**
 * `pgdrill run <scenario>`: validates the scenario before anything starts
 * (exit 2), runs the drill, prints the verdict and where the reports are;
 * the exit code follows the verdict.
 */
export async function runCommand(scenarioArg: string, flags: RunFlags): Promise<number> {
  const loaded = await loadScenario(scenarioArg, { scenariosDir: SCENARIOS_DIR });
  const targetKind = parseTarget(flags.target);
  const target = targetOptions(targetKind, flags);
  const faultKinds = loaded.scenario.steps.flatMap((s) => (s.kind === 'inject' ? [s.fault] : []));
  // Before anything starts: faults an existing cluster's namespace does not allow (exit 2), missing kind tools (exit 3).
  assertTargetAllows({ kind: targetKind, ...target }, faultKinds);
  if (targetKind === 'kind') await checkKindPrerequisites();
  const port = flags.port === undefined ? undefined : parsePort(flags.port);
  const runId = newRunId();
  const reportDir = join(flags.reportDir ?? 'reports', `${loaded.scenario.name}-${runId}`);
  const progress = cliProgress();
  const teardowns = new TeardownStack();
  logLine(`pgdrill: running ${loaded.scenario.name} (${loaded.displayFile}) on ${targetKind}, run ${runId}`);
  const outcome = await withInterrupts(teardowns, logLine, async (signal) => {
    const drill = await runDrill({
      loaded,
      targetKind,
      runId,
      reportDir,
      keep: flags.keep ?? false,
      progress,
      signal,
      teardowns,
      target,
      stack: { ...(port === undefined ? {} : { clientPort: port }), ...(flags.subnet ? { subnet: flags.subnet } : {}) },
    });
    printSummary(drill);
    return drill;
  });
  return verdictExitCode(outcome.result.verdict);
}

function printSummary({ result, reportDir, reporters }: DrillOutcome): void {
  printLine(`${result.scenario}: ${result.verdict.toUpperCase()}`);
  for (const reason of result.verdictReasons) printLine(`  ${reason}`);
  const metrics = HEADLINE_METRICS.map((m) => `${m}=${result.metrics[m] ?? 'null'}`).join(' ');
  printLine(`  ${metrics}`);
  for (const t of result.thresholds) printLine(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.expression} (${t.metric} = ${t.value ?? 'null'})`);
  const files = reporters.flatMap((r) => ('files' in r ? r.files : []));
  printLine(`  report: ${relative(process.cwd(), join(reportDir, files.find((f) => f.endsWith('.md')) ?? ''))} (also ${files.filter((f) => !f.endsWith('.md')).concat(result.files.history).join(', ')})`);
  for (const r of reporters) if ('error' in r) printLine(`  reporter ${r.reporter} failed: ${r.error}`);
}

function targetOptions(kind: string, flags: RunFlags): Omit<TargetChoice, 'kind'> {
  if (kind !== 'kubernetes') {
    if (flags.namespace || flags.context) throw new UsageError('--context and --namespace go with --target kubernetes');
    return {};
  }
  if (!flags.namespace) throw new UsageError('--target kubernetes needs --namespace (an existing namespace with CloudNativePG available)');
  return {
    kubernetes: {
      namespace: flags.namespace,
      ...(flags.context ? { context: flags.context } : {}),
      allowDestructive: flags.allowDestructive ?? [],
    },
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`--port expects a whole number from 0 to 65535 (got "${value}")`);
  }
  return port;
}

/** `pgdrill list`: the shipped scenarios with their descriptions. */
export async function listCommand(): Promise<number> {
  const listings = await listScenarios(SCENARIOS_DIR);
  const width = Math.max(...listings.map((l) => l.name.length));
  for (const l of listings) printLine(`${l.name.padEnd(width)}  ${l.error ? `(does not load: ${l.error})` : l.description}`);
  return 0;
}
