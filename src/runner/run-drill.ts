import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyzeRun, type RunAnalysis } from '../checks/analyze.ts';
import { judgeRun } from '../judge/judge-run.ts';
import type { Verdict } from '../judge/verdict.ts';
import { InterruptedError, PgdrillError } from '../errors.ts';
import { FaultUnsupportedError } from '../faults/errors.ts';
import type { ActiveFault, FaultContext, WitnessBounds } from '../faults/fault.ts';
import { createRunClock } from '../history/clock.ts';
import type { HistoryBody, PhaseName } from '../history/events.ts';
import { HISTORY_FILE, HistoryRecorder } from '../history/recorder.ts';
import { ArchiveSampler, InstanceProbe, LagSampler, type Observer } from '../observers/index.ts';
import type { Progress } from '../progress/progress.ts';
import { buildRunResult } from '../report/build-run-result.ts';
import { publishRun, type RunPublishOptions } from '../report/publish.ts';
import type { ReporterOutcome } from '../report/reporter.ts';
import type { RunResult } from '../report/run-result.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { describeStep } from '../scenario/describe-step.ts';
import { scenarioForTarget } from '../scenario/for-target.ts';
import type { ConfiguredTarget } from '../targets/driver.ts';
import { Workload } from '../workload/index.ts';
import { DrillInconclusive } from '../lifecycle/drill-inconclusive.ts';
import { TeardownStack } from '../lifecycle/teardown-stack.ts';
import { PGDRILL_VERSION } from '../version.ts';
import { readFinalRows } from './final-reads.ts';
import { awaitRecoveryToTheEnd, backupAfterFailover } from './recovery-end.ts';
import { awaitSteadyState } from './steady-state.ts';
import { waitUntilSettled } from './settle.ts';
import { runStep, type DrillHooks, type RestoreOutcome, type StepContext } from './steps.ts';
import type { RestoredDrillOutcome } from '../checks/restore.ts';
import type { RestoreStep, Scenario } from '../scenario/types.ts';
import type { StartedTarget } from '../targets/target.ts';
import { DrillSkipped, unsupportedSteps } from './unsupported.ts';

export interface DrillOptions {
  loaded: LoadedScenario;
  /** Where the stack runs, configured from the command line (src/targets/registry.ts). */
  target: ConfiguredTarget;
  runId: string;
  /** Folder of this run's report files. */
  reportDir: string;
  /** Keep the stack after the run (faults are still healed). */
  keep: boolean;
  progress: Progress;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Heals and teardowns of this run; the caller runs whatever is left on a forced exit. */
  teardowns: TeardownStack;
  /** How the run's reports are published (Pushgateway, job summary, part of a suite); they go to reportDir. */
  publish?: Omit<RunPublishOptions, 'reportDir'>;
  /** Test seams: called with each restored cluster before it is compared with the ledger. */
  hooks?: DrillHooks;
  /** Bounds of the run's waits, in ms (tests shorten them). */
  timeouts?: Partial<DrillTimeouts>;
  /**
   * The final reads count only this run's own rows (key prefix `${runId}-`):
   * a drill inside a restored cluster, whose restored rows the restore's
   * own check already compared with the source's ledger.
   */
  onlyOwnRows?: boolean;
}

export interface DrillTimeouts {
  /** Until the first acknowledged write after the workload starts. */
  warmUp: number;
  /** Until the stack settles after the last step. */
  settle: number;
  /** Until the stack is in its steady state before the first step. */
  steadyState: number;
  /** After settling: until recovery to the end is seen (HA restored, old primary rejoined, new timeline archived). */
  recoveryEnd: number;
  /** Bounds of the fault witnesses (defaults in src/faults/fault.ts). */
  witness?: Partial<WitnessBounds>;
}

const DEFAULT_TIMEOUTS: DrillTimeouts = { warmUp: 60_000, settle: 180_000, steadyState: 60_000, recoveryEnd: 45_000 };

export interface DrillOutcome {
  result: RunResult;
  reportDir: string;
  reporters: ReporterOutcome[];
}


/**
 * One drill, as data flows through docs/design.md "The run": provision,
 * observers, workload, steps, recover (stop writes, heal, settle), final
 * reads, checks, thresholds, reports, teardown. Every exit path heals the
 * faults and removes the stack (unless --keep), and still writes a report.
 */
export async function runDrill(options: DrillOptions): Promise<DrillOutcome> {
  const { loaded, progress, signal, teardowns } = options;
  // The target's own waits and thresholds where the scenario gives some (local: the scenario's own, unchanged).
  const scenario = scenarioForTarget(loaded.scenario, options.target.kind);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const clock = createRunClock();
  const recorder = new HistoryRecorder(join(options.reportDir, HISTORY_FILE), clock);
  const record = (body: HistoryBody): void => void recorder.record(body);
  const startedAt = new Date().toISOString();
  const targetKind = options.target.kind;
  record({ type: 'run-start', runId: options.runId, scenario: scenario.name, target: targetKind });

  let analysis: RunAnalysis | null = null;
  let outcome: { verdict: Exclude<Verdict, 'pass' | 'fail'>; reason: string } | undefined;
  const errors: string[] = [];
  let environment: Record<string, string> = baseEnvironment();
  const observers: Observer[] = [];
  const restores: RestoreOutcome[] = [];
  let workload: Workload | undefined;
  // The stack's removal goes on its own stack: with --keep it is never run.
  const stackTeardowns = options.keep ? new TeardownStack() : teardowns;

  const phase = async <T>(name: PhaseName, work: () => Promise<T>): Promise<T> => {
    record({ type: 'phase', phase: name, edge: 'begin' });
    try {
      return await progress.phase(name, work);
    } finally {
      record({ type: 'phase', phase: name, edge: 'end' });
    }
  };

  try {
    const skip = unsupportedSteps(scenario.steps, options.target);
    if (skip) throw new DrillSkipped(skip);

    const target = await phase('provision', () =>
      options.target.start({ runId: options.runId, cluster: scenario.cluster, progress, teardowns: stackTeardowns, signal }),
    );
    environment = { ...environment, ...(await target.versions()) };

    await phase('warm-up', async () => {
      workload = new Workload({
        endpoint: target.client,
        record,
        writers: scenario.workload.writers,
        rate: scenario.workload.rate,
        keyPrefix: options.runId,
      });
      await workload.start();
      observers.push(
        new InstanceProbe({ instances: target.instances, record }),
        ...(target.archives === false ? [] : [new ArchiveSampler({ instances: target.instances, record })]),
        new LagSampler({ instances: target.instances, record }),
      );
      for (const o of observers) o.start();
      await waitForFirstAck(recorder, timeouts.warmUp, signal);
      await options.hooks?.afterWarmUp?.(target);
    });

    await phase('steady-state', () =>
      awaitSteadyState(
        target,
        {
          instances: scenario.cluster.zones.length,
          synchronous: scenario.cluster.synchronous !== 'off',
          needsBackup: scenario.steps.some((s) => s.kind === 'restore'),
          timeoutMs: timeouts.steadyState,
        },
        record,
        signal,
      ),
    );

    const active = new Map<string, ActiveFault>();
    const background: Promise<void>[] = [];
    const context: FaultContext = {
      background: (work) => void background.push(work.catch(() => undefined)),
      target,
      faults: options.hooks?.primitives?.(target.faults) ?? target.faults,
      record,
      now: () => clock.now(),
      signal,
      ...(timeouts.witness ? { bounds: timeouts.witness } : {}),
    };
    const stepContext: StepContext = {
      context,
      active,
      teardowns,
      signal,
      target,
      history: () => recorder.events(),
      restores,
      progress,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      drillRestored: (restored, step) => drillInsideRestored(options, scenario, restored, step),
    };
    await phase('steps', async () => {
      for (const [index, step] of scenario.steps.entries()) {
        signal.throwIfAborted();
        const detail = describeStep(step);
        record({ type: 'step', index, step: step.kind, edge: 'begin', detail });
        progress.note(detail);
        const result = await runStep(step, stepContext);
        record({ type: 'step', index, step: step.kind, edge: 'end', ...(result ? { detail: result } : {}) });
      }
    });

    const settled = await phase('recover', async () => {
      const summary = await workload!.stop();
      progress.note(`workload stopped: ${summary.ok} ok, ${summary.fail} failed, ${summary.info} unknown`);
      for (const fault of active.values()) await fault.heal();
      active.clear();
      const settledNow = await waitUntilSettled(target, timeouts.settle, signal);
      // The observers still sample: recovery to the end (HA back, old primary rejoined, new timeline archived) is measured here.
      await awaitRecoveryToTheEnd(() => recorder.events(), timeouts.recoveryEnd, signal);
      await Promise.all(background);
      await backupAfterFailover(target, recorder.events(), record);
      return settledNow;
    });
    for (const o of observers.splice(0)) await o.stop();

    await phase('verify', async () => {
      if (settled.problem) {
        errors.push(`the stack did not settle within ${timeouts.settle / 1000}s after the drill: ${settled.problem}`);
      }
      await options.hooks?.beforeVerify?.(target);
      // Every PITR drill ends with the repository's own integrity check.
      const verifyBackups = scenario.steps.some((s) => s.kind === 'backup' || s.kind === 'restore');
      const finalReads = await readFinalRows(target, settled.topology?.primary ?? null, {
        verifyBackups,
        ...(options.onlyOwnRows ? { keyPrefix: `${options.runId}-` } : {}),
      });
      analysis = await analyzeRun(recorder.events(), { ...finalReads, restores });
    });
  } catch (error) {
    if (signal.aborted || error instanceof InterruptedError) {
      outcome = { verdict: 'interrupted', reason: 'interrupted by a signal; faults healed and the stack removed' };
    } else if (error instanceof DrillSkipped || error instanceof FaultUnsupportedError) {
      outcome = { verdict: 'skipped', reason: error.message };
    } else {
      const message = describeError(error);
      errors.push(message);
      outcome = { verdict: 'inconclusive', reason: message };
    }
  } finally {
    await workload?.stop().catch(() => undefined);
    for (const o of observers.splice(0)) await o.stop().catch(() => undefined);
  }

  const failures = await phase('teardown', () => teardowns.runAll((name) => progress.note(name)));
  for (const f of failures) errors.push(`cleanup "${f.name}" failed: ${describeError(f.error)}`);

  const result = buildRunResult({
    scenario,
    scenarioFile: loaded.displayFile,
    scenarioSha256: loaded.sha256,
    target: targetKind,
    runId: options.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    environment,
    history: recorder.events(),
    analysis,
    judgement: judgeRun({ thresholds: scenario.thresholds, analysis, ...(outcome ? { outcome } : {}) }),
    errors,
  });
  record({ type: 'run-end', verdict: result.verdict });
  recorder.close();
  const reporters = await progress.phase('report', () => publishRun(result, { ...options.publish, reportDir: options.reportDir }));
  return { result, reportDir: options.reportDir, reporters };
}

/**
 * A restore step's drill inside the restored cluster: a drill of its own on
 * the restored cluster as its target (its own workload, history, checks,
 * thresholds and reports, in <reportDir>/<restore name>/). The restored
 * cluster is removed by the restore step, not here; the inner drill's
 * heals run at its own end.
 */
async function drillInsideRestored(
  options: DrillOptions,
  scenario: Scenario,
  restored: StartedTarget,
  step: RestoreStep & { drill: NonNullable<RestoreStep['drill']> },
): Promise<RestoredDrillOutcome> {
  const loaded: LoadedScenario = {
    ...options.loaded,
    scenario: { ...scenario, name: `${scenario.name}/${step.name}`, steps: step.drill.steps, thresholds: step.drill.thresholds },
  };
  const target: ConfiguredTarget = {
    kind: options.target.kind,
    capabilities: () => options.target.capabilities(),
    preflight: async () => undefined,
    start: async () => restored,
    cleanup: async () => '',
  };
  const inner = await runDrill({
    loaded,
    target,
    runId: `${options.runId}-${step.name}`,
    reportDir: join(options.reportDir, step.name),
    keep: false,
    progress: options.progress,
    signal: options.signal,
    teardowns: new TeardownStack(),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    onlyOwnRows: true,
  });
  return { verdict: inner.result.verdict, reasons: inner.result.verdictReasons, reportDir: step.name };
}

/** Warm-up ends at the first acknowledged write: a drill whose writes never succeed measures nothing. */
async function waitForFirstAck(recorder: HistoryRecorder, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    signal.throwIfAborted();
    if (recorder.events().some((e) => e.type === 'ok')) return;
    await sleep(100, undefined, { signal });
  }
  throw new DrillInconclusive(`no write was acknowledged within ${timeoutMs / 1000}s of starting the workload`);
}

function baseEnvironment(): Record<string, string> {
  return {
    pgdrill: PGDRILL_VERSION,
    node: process.version,
    host: hostname(),
    user: safeUser(),
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function describeError(error: unknown): string {
  if (error instanceof PgdrillError || error instanceof DrillInconclusive) return error.message;
  return error instanceof Error ? error.message : String(error);
}

