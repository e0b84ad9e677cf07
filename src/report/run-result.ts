import type { RunEvidence } from '../checks/analyze.ts';
import type { MetricName, Metrics } from '../checks/metric-catalogue.ts';
import type { FaultRto } from '../checks/rto.ts';
import type { Verdict } from '../judge/verdict.ts';
import type { FaultKind } from '../history/events.ts';
import type { ClusterSpec, WorkloadInput } from '../scenario/types.ts';
import type { ThresholdResult } from '../judge/thresholds.ts';
import type { RunAudit } from './audit.ts';

/**
 * Everything one run produced, as reporters receive it and report.json holds
 * it. The top-level names in the report.json contract of issue 3 (scenario,
 * target, runId, verdict, startedAt, finishedAt, metrics.*, thresholds,
 * faults) are read by other tools: never rename them, only add.
 */
export interface RunResult {
  /** Bumped when a contract name changes meaning (never silently). */
  schemaVersion: 1;
  scenario: string;
  description: string;
  /** The scenario file as the user named it, and its sha256: which exact drill ran. */
  scenarioFile: string;
  scenarioSha256: string;
  target: string;
  runId: string;
  verdict: Verdict;
  /** Why the verdict is not a pass: broken or unmeasured thresholds, a skip or interruption reason. */
  verdictReasons: string[];
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Versions of everything under test and of the harness (pgdrill, node, postgres, patroni, ...). */
  environment: Record<string, string>;
  configuration: RunConfiguration;
  metrics: Metrics;
  /** For each metric left null because it could not be measured: why. */
  unmeasured: Partial<Record<MetricName, string>>;
  thresholds: ThresholdResult[];
  faults: FaultSummary[];
  /** RTO detail per fault: the recovery write, server-side view, resolution, timeline change. */
  rto: FaultRto[];
  /** Null when the run ended before the checkers ran (skipped, or interrupted early). */
  evidence: RunEvidence | null;
  timeline: TimelineEntry[];
  /** Harness or infrastructure problems met during the run, one line each. */
  errors: string[];
  /** Files written next to the report, relative to the report directory. */
  files: { history: string };
  /** When, where, who, versions, images, scenario hash, thresholds, command line: for auditors. */
  audit: RunAudit;
}

export interface RunConfiguration {
  cluster: ClusterSpec;
  workload: WorkloadInput;
  /** The steps as one line each. */
  steps: string[];
  thresholds: string[];
  /** Target-specific settings (images, engine parameters), never credentials. */
  target: Record<string, string | number | boolean>;
}

/** A fault in the report.json contract shape, plus its id and heal outcome. */
export interface FaultSummary {
  id: string;
  kind: FaultKind;
  /** What it hit, e.g. the primary's instance name ("pg-a"); several joined by ", ". */
  target: string;
  targets: string[];
  injectedAt: string;
  /** Null when it was never healed successfully. */
  healedAt: string | null;
  healOutcome: 'healed' | 'failed' | 'none';
  /** When it took effect, as its witness dated it; null when it never did. */
  inEffectAt: string | null;
  /** What proved it was in effect, or why it never was. */
  witness: string | null;
  notApplied?: string;
  /** After its heal: whether the healed state was seen (and what showed it, or what was missing). */
  healVerified?: { confirmed: boolean; what: string };
}

/** A notable moment of the run, for the report's timeline. */
export interface TimelineEntry {
  /** Seconds since the run started. */
  seconds: number;
  at: string;
  what: string;
}
