import type { RunAnalysis } from '../checks/analyze.ts';
import { listFaults } from '../checks/faults.ts';
import { METRIC_NAMES, type Metrics } from '../checks/metric-catalogue.ts';
import type { HistoryEvent } from '../history/events.ts';
import { HISTORY_FILE } from '../history/recorder.ts';
import type { RunJudgement } from '../judge/judge-run.ts';
import { describeStep } from '../scenario/describe-step.ts';
import type { Scenario } from '../scenario/types.ts';
import { buildAudit } from './audit.ts';
import type { FaultSummary, RunResult } from './run-result.ts';
import { deriveTimeline } from './timeline.ts';

export interface RunResultInput {
  scenario: Scenario;
  scenarioFile: string;
  scenarioSha256: string;
  target: string;
  runId: string;
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string>;
  /** Target-specific settings worth reporting; credentials are masked anyway. */
  targetConfiguration?: Record<string, string | number | boolean>;
  history: readonly HistoryEvent[];
  /** Null when the run ended before the checkers could run. */
  analysis: RunAnalysis | null;
  /** The verdict, its reasons and the thresholds' results (judge/judge-run.ts). */
  judgement: RunJudgement;
  errors?: string[];
  /** The command that started the run, for the audit section (default: process.argv, redacted either way). */
  commandLine?: readonly string[];
  /** Default: process.cwd(). */
  workingDirectory?: string;
}

/**
 * Assembles the RunResult from what the run measured and how it was judged,
 * and derives faults and the timeline from the history. It decides nothing.
 */
export function buildRunResult(input: RunResultInput): RunResult {
  const { scenario, analysis, judgement } = input;
  const rto = analysis?.evidence.rto.faults ?? [];
  const thresholdTexts = scenario.thresholds.map((t) => t.expression);

  return {
    schemaVersion: 1,
    scenario: scenario.name,
    description: scenario.description,
    scenarioFile: input.scenarioFile,
    scenarioSha256: input.scenarioSha256,
    target: input.target,
    runId: input.runId,
    verdict: judgement.verdict,
    verdictReasons: [...judgement.reasons],
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationSeconds: Math.max(0, (Date.parse(input.finishedAt) - Date.parse(input.startedAt)) / 1000),
    environment: { ...input.environment },
    configuration: {
      cluster: scenario.cluster,
      workload: scenario.workload,
      steps: scenario.steps.map(describeStep),
      thresholds: thresholdTexts,
      target: { ...(input.targetConfiguration ?? {}) },
    },
    metrics: analysis ? analysis.metrics : emptyMetrics(),
    unmeasured: analysis ? analysis.unmeasured : {},
    thresholds: [...judgement.thresholds],
    faults: summarizeFaults(input.history),
    rto,
    evidence: analysis?.evidence ?? null,
    timeline: deriveTimeline(input.history, rto),
    errors: [...(input.errors ?? [])],
    files: { history: HISTORY_FILE },
    audit: buildAudit({
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
      target: input.target,
      environment: input.environment,
      scenarioFile: input.scenarioFile,
      scenarioSha256: input.scenarioSha256,
      thresholds: thresholdTexts,
      commandLine: input.commandLine ?? process.argv,
      workingDirectory: input.workingDirectory ?? process.cwd(),
      env: process.env,
    }),
  };
}

/** The report.json `faults` entries, from the inject and heal events. */
export function summarizeFaults(history: readonly HistoryEvent[]): FaultSummary[] {
  return listFaults(history).map((f) => ({
    id: f.fault,
    kind: f.kind,
    target: f.targets.join(', '),
    targets: f.targets,
    injectedAt: f.injectedAt,
    healedAt: f.healedAt,
    healOutcome: f.healOutcome,
    inEffectAt: f.appliedAt,
    witness: f.witness ?? null,
    ...(f.notApplied ? { notApplied: f.notApplied } : {}),
    ...(f.healVerified ? { healVerified: f.healVerified } : {}),
  }));
}

function emptyMetrics(): Metrics {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, null])) as Metrics;
}
