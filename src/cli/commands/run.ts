import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.ts';
import { verdictExitCode } from '../../checks/verdict.ts';
import type { DrillOutcome } from '../../runner/run-drill.ts';
import { runDrill } from '../../runner/run-drill.ts';
import { assertTargetAllows, type TargetChoice } from '../../runner/start-target.ts';
import { checkKindPrerequisites } from '../../targets/kind/index.ts';
import { TeardownStack } from '../../runner/teardown-stack.ts';
import type { Verdict } from '../../checks/verdict.ts';
import { redactCommandLine } from '../../report/audit.ts';
import { htmlReporter } from '../../report/html.ts';
import { JUNIT_XML } from '../../report/junit.ts';
import { renderMarkdownSummary } from '../../report/markdown.ts';
import { METRICS_PROM, pushToGateway } from '../../report/prometheus.ts';
import { redactSecrets } from '../../report/redact.ts';
import { runReporters } from '../../report/reporter.ts';
import type { RunResult } from '../../report/run-result.ts';
import { appendStepSummary } from '../../report/step-summary.ts';
import { listScenarios, loadScenario, type LoadedScenario } from '../../scenario/load.ts';
import { expandScenarioArgs } from '../../suite/scenario-args.ts';
import { buildSuiteResult, INDEX_HTML, INDEX_MD, renderSuiteMarkdown, SUITE_JSON, writeSuiteReport } from '../../suite/suite-report.ts';
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
  /** Pushgateway URL: push each run's metrics there after it. */
  pushgateway?: string;
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
 * `pgdrill run <scenario...>`: validates every scenario before anything
 * starts (exit 2), runs them in order, prints each verdict and where the
 * reports are; the exit code follows the verdict. Several scenarios, or a
 * folder, make a suite: each run in its own folder inside
 * <report-dir>/suite-<id>/, beside index.md, index.html, one junit.xml and
 * metrics.prom for them all; the suite's verdict is the worst of its runs.
 */
export async function runCommand(scenarioArgs: string | readonly string[], flags: RunFlags): Promise<number> {
  const { scenarios, isSuite } = await expandScenarioArgs(typeof scenarioArgs === 'string' ? [scenarioArgs] : scenarioArgs);
  const loadedAll: LoadedScenario[] = [];
  for (const arg of scenarios) loadedAll.push(await loadScenario(arg, { scenariosDir: SCENARIOS_DIR }));
  const targetKind = parseTarget(flags.target);
  const target = targetOptions(targetKind, flags);
  // Before anything starts: faults an existing cluster's namespace does not allow (exit 2), missing kind tools (exit 3).
  for (const loaded of loadedAll) {
    assertTargetAllows({ kind: targetKind, ...target }, loaded.scenario.steps.flatMap((s) => (s.kind === 'inject' ? [s.fault] : [])));
  }
  if (isSuite && flags.keep) throw new UsageError('--keep leaves one stack running: give a single scenario, not a suite');
  const pushgateway = flags.pushgateway === undefined ? undefined : parsePushgateway(flags.pushgateway);
  if (targetKind === 'kind') await checkKindPrerequisites();
  const port = flags.port === undefined ? undefined : parsePort(flags.port);
  const reportRoot = flags.reportDir ?? 'reports';
  const progress = cliProgress();
  const teardowns = new TeardownStack();

  const drill = (loaded: LoadedScenario, reportDir: string, runId: string, signal: AbortSignal) => runDrill({
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

  if (!isSuite) {
    const loaded = loadedAll[0]!;
    const runId = newRunId();
    const reportDir = join(reportRoot, `${loaded.scenario.name}-${runId}`);
    logLine(`pgdrill: running ${loaded.scenario.name} (${loaded.displayFile}) on ${targetKind}, run ${runId}`);
    const outcome = await withInterrupts(teardowns, logLine, async (signal) => {
      const done = await drill(loaded, reportDir, runId, signal);
      const published = await progress.phase('report', () => publishRun(done, pushgateway));
      printSummary(published);
      await appendStepSummary(`${renderMarkdownSummary(published.result)}\nReport: \`${displayPath(join(reportDir, 'report.md'))}\`\n`);
      return published;
    });
    return verdictExitCode(outcome.result.verdict);
  }

  const suiteId = newRunId();
  const suiteDir = join(reportRoot, `suite-${suiteId}`);
  const startedAt = new Date().toISOString();
  logLine(`pgdrill: suite ${suiteId}: ${loadedAll.length} scenarios on ${targetKind} (${loadedAll.map((l) => l.scenario.name).join(', ')})`);
  const suite = await withInterrupts(teardowns, logLine, async (signal) => {
    const runs: DrillOutcome[] = [];
    const notRun: { scenario: string; reason: string }[] = [];
    for (const [index, loaded] of loadedAll.entries()) {
      if (signal.aborted || runs.some((r) => r.result.verdict === 'interrupted')) {
        notRun.push({ scenario: loaded.scenario.name, reason: 'the suite was interrupted' });
        continue;
      }
      const runId = newRunId();
      logLine(`pgdrill: [${index + 1}/${loadedAll.length}] running ${loaded.scenario.name} (${loaded.displayFile}), run ${runId}`);
      const done = await drill(loaded, join(suiteDir, `${loaded.scenario.name}-${runId}`), runId, signal);
      const published = await progress.phase('report', () => publishRun(done, undefined));
      printSummary(published);
      runs.push(published);
    }
    const result = buildSuiteResult({
      suiteId, suiteDir, target: targetKind, startedAt, finishedAt: new Date().toISOString(),
      runs: runs.map((r) => ({ result: r.result, reportDir: r.reportDir })), notRun,
    });
    const results = runs.map((r) => r.result);
    await writeSuiteReport(suiteDir, result, results);
    if (pushgateway) await push(pushgateway, results);
    await appendStepSummary(renderSuiteMarkdown(result, redactSecrets(results)));
    printLine(`suite ${suiteId}: ${result.verdict.toUpperCase()} (${countVerdicts(result.runs.map((r) => r.verdict))}${notRun.length > 0 ? `, ${notRun.length} not run` : ''})`);
    printLine(`  suite report: ${relative(process.cwd(), join(suiteDir, INDEX_MD))} (also ${INDEX_HTML}, ${JUNIT_XML}, ${METRICS_PROM}, ${SUITE_JSON})`);
    return result;
  });
  return verdictExitCode(suite.verdict);
}

/** The reports written beside run-drill's own: report.html; then the optional push. Failures are reported, never fatal. */
async function publishRun(done: DrillOutcome, pushgateway: string | undefined): Promise<DrillOutcome> {
  const extra = await runReporters([htmlReporter], done.result, { reportDir: done.reportDir });
  if (pushgateway) await push(pushgateway, [done.result]);
  return { ...done, reporters: [...done.reporters, ...extra] };
}

async function push(url: string, results: RunResult[]): Promise<void> {
  try {
    await pushToGateway(url, redactSecrets(results));
    logLine(`pgdrill: pushed ${results.length === 1 ? 'the run' : `${results.length} runs`} to the Pushgateway`);
  } catch (error) {
    logLine(`pgdrill: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? resolve(path) : rel;
}

function countVerdicts(verdicts: readonly Verdict[]): string {
  const counts = new Map<Verdict, number>();
  for (const v of verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ') || 'no run';
}

function parsePushgateway(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--pushgateway expects an http(s) URL such as http://127.0.0.1:9091 (got "${redactCommandLine([value])[0]}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--pushgateway expects an http or https URL (got ${url.protocol})`);
  return value;
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
