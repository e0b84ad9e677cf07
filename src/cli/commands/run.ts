import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.ts';
import { HEADLINE_METRICS } from '../../checks/metric-catalogue.ts';
import { verdictExitCode } from '../../judge/verdict.ts';
import type { DrillOutcome } from '../../runner/run-drill.ts';
import { runDrill } from '../../runner/run-drill.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { assertFlagsFor, targetDriver } from '../../targets/registry.ts';
import type { Verdict } from '../../judge/verdict.ts';
import { redactCommandLine } from '../../report/audit.ts';
import { INDEX_HTML } from '../../report/html.ts';
import { SUITE_JSON } from '../../report/json.ts';
import { JUNIT_XML } from '../../report/junit.ts';
import { INDEX_MD } from '../../report/markdown.ts';
import { METRICS_PROM } from '../../report/prometheus.ts';
import { publishSuite } from '../../report/publish.ts';
import { checkReportFolder } from '../../report/report-folder.ts';
import { buildSuiteResult } from '../../report/suite-result.ts';
import { listScenarios, loadScenario, type LoadedScenario } from '../../scenario/load.ts';
import { expandScenarioArgs } from '../../suite/scenario-args.ts';
import { withInterrupts } from '../interrupts.ts';
import { newRunId } from '../local-options.ts';
import { cliProgress, logLine, printLine } from '../output.ts';

export const SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/** `pgdrill run`'s own flags; each target kind's flags (each driver under src/targets/) come in beside them. */
export interface RunFlags extends Record<string, unknown> {
  target?: string;
  reportDir?: string;
  keep?: boolean;
  /** Pushgateway URL: push each run's metrics there after it. */
  pushgateway?: string;
  /** node_exporter textfile folder: each run's metrics in one stable file per scenario and target. */
  textfileDir?: string;
  /** Runs each scenario this many times (a suite, with each metric's min, median and max per scenario). */
  repeat?: string;
}

/** The most runs of one scenario `--repeat` takes (a typo of 100 would hold the machine for hours). */
export const MAX_REPEAT = 20;

/**
 * `pgdrill run <scenario...>`: validates every scenario before anything
 * starts (exit 2), runs them in order, prints each verdict and where the
 * reports are; the exit code follows the verdict. Several scenarios, or a
 * folder, make a suite: each run in its own folder inside
 * <report-dir>/suite-<id>/, beside index.md, index.html, one junit.xml and
 * metrics.prom for them all; the suite's verdict is the worst of its runs.
 */
export async function runCommand(scenarioArgs: string | readonly string[], flags: RunFlags): Promise<number> {
  return (await prepareRun(scenarioArgs, flags)).execute();
}

/** A run whose input was checked (scenarios, flags, target preflight): nothing has started yet. */
export interface PreparedRun {
  /** Runs it; resolves to the exit code. `suiteDir` is where a suite's reports went. */
  execute(): Promise<number>;
  readonly suiteDir: string | undefined;
}

/**
 * Everything `pgdrill run` checks before anything starts (exit 2 and 3 come
 * from here), so `certify` can check both of its sides before running either.
 */
export async function prepareRun(scenarioArgs: string | readonly string[], flags: RunFlags): Promise<PreparedRun> {
  const expanded = await expandScenarioArgs(typeof scenarioArgs === 'string' ? [scenarioArgs] : scenarioArgs);
  const repeat = parseRepeat(flags.repeat);
  const isSuite = expanded.isSuite || repeat > 1;
  const loadedOnce: LoadedScenario[] = [];
  for (const arg of expanded.scenarios) loadedOnce.push(await loadScenario(arg, { scenariosDir: SCENARIOS_DIR }));
  // --repeat: each scenario's runs one after another, each with its own run id and report folder.
  const loadedAll = loadedOnce.flatMap((loaded) => Array.from({ length: repeat }, () => loaded));
  const driver = targetDriver(flags.target);
  assertFlagsFor(driver, flags);
  const target = driver.configure(flags);
  const targetKind = target.kind;
  if (isSuite && flags.keep) throw new UsageError('--keep leaves one stack running: give a single scenario, not a suite');
  const pushgateway = flags.pushgateway === undefined ? undefined : parsePushgateway(flags.pushgateway);
  // A report folder that cannot be written is exit 2 now, not a failure after the drill (or a hang under /proc).
  const reportRoot = flags.reportDir ?? 'reports';
  checkReportFolder(reportRoot);
  if (flags.textfileDir !== undefined) checkReportFolder(flags.textfileDir, '--textfile-dir');
  const runIds = loadedAll.map(() => newRunId());
  // Before anything starts: the stack options each scenario makes (exit 2), the target's tools (exit 3),
  // faults an existing cluster's namespace does not allow (exit 2).
  for (const [index, loaded] of loadedAll.entries()) {
    const { cluster, steps } = loaded.scenario;
    await target.preflight({ runId: runIds[index]!, cluster, faultKinds: steps.flatMap((s) => (s.kind === 'inject' ? [s.fault] : [])) });
  }
  const progress = cliProgress();
  const teardowns = new TeardownStack();
  const publishing = { pushgateway, stepSummary: process.env.GITHUB_STEP_SUMMARY, textfileDir: flags.textfileDir, log: logLine };
  const suiteId = newRunId();
  const suiteDir = join(reportRoot, `suite-${suiteId}`);

  const drill = (loaded: LoadedScenario, reportDir: string, runId: string, signal: AbortSignal) => runDrill({
    loaded,
    target,
    runId,
    reportDir,
    keep: flags.keep ?? false,
    progress,
    signal,
    teardowns,
    publish: { ...publishing, partOfSuite: isSuite },
  });

  const execute = async (): Promise<number> => {
    if (!isSuite) {
      const loaded = loadedAll[0]!;
      const runId = runIds[0]!;
      const reportDir = join(reportRoot, `${loaded.scenario.name}-${runId}`);
      logLine(`pgdrill: running ${loaded.scenario.name} (${loaded.displayFile}) on ${targetKind}, run ${runId}`);
      const outcome = await withInterrupts(teardowns, logLine, async (signal) => {
        const done = await drill(loaded, reportDir, runId, signal);
        printSummary(done);
        return done;
      });
      return verdictExitCode(outcome.result.verdict);
    }

    const startedAt = new Date().toISOString();
    const repeated = repeat > 1 ? `, each ${repeat} times` : '';
    logLine(`pgdrill: suite ${suiteId}: ${loadedOnce.length} scenario(s)${repeated} on ${targetKind} (${loadedOnce.map((l) => l.scenario.name).join(', ')})`);
    const suite = await withInterrupts(teardowns, logLine, async (signal) => {
      const runs: DrillOutcome[] = [];
      const notRun: { scenario: string; reason: string }[] = [];
      for (const [index, loaded] of loadedAll.entries()) {
        if (signal.aborted || runs.some((r) => r.result.verdict === 'interrupted')) {
          notRun.push({ scenario: loaded.scenario.name, reason: 'the suite was interrupted' });
          continue;
        }
        const runId = runIds[index]!;
        logLine(`pgdrill: [${index + 1}/${loadedAll.length}] running ${loaded.scenario.name} (${loaded.displayFile}), run ${runId}`);
        const done = await drill(loaded, join(suiteDir, `${loaded.scenario.name}-${runId}`), runId, signal);
        printSummary(done);
        runs.push(done);
      }
      const result = buildSuiteResult({
        suiteId, suiteDir, target: targetKind, startedAt, finishedAt: new Date().toISOString(),
        runs: runs.map((r) => ({ result: r.result, reportDir: r.reportDir })), notRun,
      });
      const published = await publishSuite(result, runs.map((r) => r.result), { ...publishing, suiteDir });
      printLine(`suite ${suiteId}: ${result.verdict.toUpperCase()} (${countVerdicts(result.runs.map((r) => r.verdict))}${notRun.length > 0 ? `, ${notRun.length} not run` : ''})`);
      printLine(`  suite report: ${relative(process.cwd(), join(suiteDir, INDEX_MD))} (also ${INDEX_HTML}, ${JUNIT_XML}, ${METRICS_PROM}, ${SUITE_JSON})`);
      for (const r of published) if ('error' in r) printLine(`  reporter ${r.reporter} failed: ${r.error}`);
      return result;
    });
    return verdictExitCode(suite.verdict);
  };
  return { execute, suiteDir: isSuite ? suiteDir : undefined };
}

function parseRepeat(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || n < 1 || n > MAX_REPEAT) {
    throw new UsageError(`--repeat expects a whole number from 1 to ${MAX_REPEAT} (got "${value}")`);
  }
  return n;
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

/** `pgdrill list`: the shipped scenarios with their descriptions. */
export async function listCommand(): Promise<number> {
  const listings = await listScenarios(SCENARIOS_DIR);
  const width = Math.max(...listings.map((l) => l.name.length));
  for (const l of listings) printLine(`${l.name.padEnd(width)}  ${l.error ? `(does not load: ${l.error})` : l.description}`);
  return 0;
}
