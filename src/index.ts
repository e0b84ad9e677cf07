/**
 * pgdrill's public API: what a scenario file imports (`from 'pgdrill'`) and
 * the types other tools use to read reports and histories. Every export is
 * named here on purpose; keep this file free of heavy runtime imports, since
 * every scenario file loads it.
 */
export { defineScenario, wait, inject, heal, mark, switchover, rollingRestart, waitHealthy, backup, sql, restore } from './scenario/define.ts';
export { SCENARIO_FAULT_KINDS, SYNCHRONOUS_MODES, FAULT_TARGETS, TARGETS_BY_FAULT, DCS_PLACEMENTS } from './scenario/types.ts';
export type {
  ScenarioInput,
  ClusterInput,
  WorkloadInput,
  PatroniTimings,
  StepInput,
  WaitStepInput,
  InjectStepInput,
  HealStepInput,
  MarkStepInput,
  WaitHealthyStepInput,
  BackupStepInput,
  SqlStepInput,
  RestoreStepInput,
  ScenarioFaultKind,
  SynchronousMode,
  FaultTarget,
  DcsPlacement,
  Scenario,
  Step,
} from './scenario/types.ts';
export type { DurationText, DurationUnit } from './scenario/duration.ts';
export type { ThresholdOp } from './scenario/thresholds.ts';
export type { ThresholdResult } from './judge/thresholds.ts';
export { METRICS, METRIC_NAMES } from './checks/metric-catalogue.ts';
export type { MetricName, Metrics, MetricInfo, MetricUnit, MetricDirection, Tolerance } from './checks/metric-catalogue.ts';
export type { Verdict } from './judge/verdict.ts';
export type { RunResult, FaultSummary } from './report/run-result.ts';
export type { HistoryEvent, HistoryBody, HistoryEventType, Stamp, FaultKind } from './history/events.ts';
