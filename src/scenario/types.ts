import type { FaultTarget } from '../faults/target-words.ts';
import { FAULT_KINDS, type FaultKind } from '../history/events.ts';
import type { DurationText } from './duration.ts';
import type { Threshold } from './thresholds.ts';

/** Fault kinds a scenario may inject: every kind of the catalogue. */
export const SCENARIO_FAULT_KINDS = FAULT_KINDS;
export type ScenarioFaultKind = FaultKind;

/**
 * off: asynchronous replication; on: Patroni synchronous_mode; strict:
 * synchronous_mode_strict (no writes without a standby); quorum: a commit
 * waits for any n of the standbys (Patroni 4's synchronous_mode quorum,
 * CloudNativePG's synchronous method any).
 */
export const SYNCHRONOUS_MODES = ['off', 'on', 'strict', 'quorum'] as const;
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

export { FAULT_TARGETS, type FaultTarget } from '../faults/target-words.ts';
export { TARGETS_BY_FAULT } from '../faults/catalogue.ts';

/** per-zone: one consensus-store member in each zone (a zone's loss takes its member too); separate: members in a zone of their own. */
export const DCS_PLACEMENTS = ['per-zone', 'separate'] as const;
export type DcsPlacement = (typeof DCS_PLACEMENTS)[number];

export const ETCD_APIS = ['v2', 'v3'] as const;
export type EtcdApi = (typeof ETCD_APIS)[number];

/** on: only the primary archives WAL; always: every standby archives what it receives too (PostgreSQL's archive_mode). */
export const ARCHIVE_MODES = ['on', 'always'] as const;
export type ArchiveMode = (typeof ARCHIVE_MODES)[number];

/**
 * Generations of the local stack, one Debian release each: debian12
 * (PostgreSQL 15, Patroni 3.0, pgBackRest 2.45, etcd 3.4) and debian13
 * (PostgreSQL 17, Patroni 4.0, pgBackRest 2.55, etcd 3.5).
 */
export const STACK_GENERATIONS = ['debian12', 'debian13'] as const;
export type StackGeneration = (typeof STACK_GENERATIONS)[number];

/**
 * Targets whose HA engine may need other waits and thresholds than the
 * local one (CloudNativePG's failover path after a node fault is longer
 * than Patroni's): a scenario can state values for them. The local target
 * always runs the scenario's own values.
 */
export const ADJUSTABLE_TARGETS = ['kind', 'kubernetes'] as const;
export type AdjustableTarget = (typeof ADJUSTABLE_TARGETS)[number];

// ---- What a scenario file writes (the authoring form) ----

/** Patroni's timings, in whole seconds; Patroni requires loopWait + 2 × retryTimeout <= ttl. */
export interface PatroniTimings {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

export interface ClusterInput {
  /** One instance per zone; at least one (default ['a', 'b', 'c']). */
  zones?: string[];
  synchronous: SynchronousMode;
  patroni?: PatroniTimings;
  /** Where the consensus store's members live (default per-zone). */
  dcs?: DcsPlacement;
  /** Patroni failsafe_mode: keep the primary while the DCS is gone if every member still answers (default false). */
  failsafe?: boolean;
  /**
   * Which etcd API Patroni uses (default v2). Patroni 3.0.2's etcd3 module
   * rewrites the leader key without checking who holds it, so a primary that
   * was frozen or cut off can take leadership back and discard acknowledged
   * writes; the freeze-etcd3 scenario shows it.
   */
  etcdApi?: EtcdApi;
  /**
   * Who archives WAL (default 'on': the primary). With 'always' the
   * standbys archive what they receive too, so WAL the old primary had not
   * archived before a failover still reaches the repository (local target).
   */
  archive?: ArchiveMode;
  /** Which generation of the local stack to run on (default: the target's, debian12); `--stack` overrides it. */
  stack?: StackGeneration;
}

export interface WorkloadInput {
  /** Concurrent writers (logical client processes). */
  writers: number;
  /** Target writes per second, all writers together. */
  rate: number;
}

/** Each step is an object keyed by its kind, so a validation error can say `steps[2].wait`. */
export interface WaitStepInput {
  wait: DurationText;
  /** Another duration on these targets (e.g. a fault held until CloudNativePG can fail over). */
  byTarget?: Partial<Record<AdjustableTarget, DurationText>>;
}
export interface InjectStepInput {
  inject: ScenarioFaultKind;
  /** Fault id for a later heal (default f1, f2, ... in order). */
  id?: string;
  target?: FaultTarget;
}
export interface HealStepInput {
  /** A fault id, or 'all' for every fault still active. */
  heal: string;
}
export interface MarkStepInput {
  /** Records a named point in time (a PITR target, a phase of the drill). */
  mark: string;
}
export interface WaitHealthyStepInput {
  /** Wait until the stack is healthy again, failing the run as inconclusive after this long. */
  waitHealthy: DurationText;
}

export interface BackupStepInput {
  /** Takes a backup into the target's repository. */
  backup: 'full' | 'incremental';
}
export interface SqlStepInput {
  /** A statement run on the primary through the client endpoint (e.g. the fat-fingered DELETE). */
  sql: string;
}
export interface RestoreStepInput {
  /** Restores into fresh instances: to an earlier mark's time, to the end of WAL ('latest'), or to 'lsn:<LSN>'. */
  restore: string;
  /** 'single' (the default): one instance on its own; 'cluster': a full cluster of the scenario's zones, with its own HA. */
  shape?: RestoreShape;
  /** Only with shape 'cluster': a drill run inside the restored cluster once its rows are checked (its own workload, faults and thresholds). */
  drill?: RestoredDrillInput;
}

export interface RestoredDrillInput {
  steps: StepInput[];
  thresholds: string[];
}

export type StepInput =
  | WaitStepInput
  | InjectStepInput
  | HealStepInput
  | MarkStepInput
  | WaitHealthyStepInput
  | BackupStepInput
  | SqlStepInput
  | RestoreStepInput;

export interface ScenarioInput {
  /** Lowercase words joined by dashes; `pgdrill run <name>` finds scenarios/<name>.ts. */
  name: string;
  description: string;
  cluster: ClusterInput;
  workload: WorkloadInput;
  steps: StepInput[];
  /** "<metric> <op> <number>", e.g. "rto_seconds <= 30". */
  thresholds: string[];
  /** Per target: thresholds that replace the scenario's own on the same metric (or add one). */
  byTarget?: Partial<Record<AdjustableTarget, { thresholds: string[] }>>;
}

// ---- What the runner gets (validated, defaults applied, durations in ms) ----

export interface WaitStep {
  kind: 'wait';
  ms: number;
  text: string;
  /** Set only when the scenario gives other durations; scenarioForTarget() resolves it away. */
  byTarget?: Partial<Record<AdjustableTarget, { ms: number; text: string }>>;
}
export interface InjectStep {
  kind: 'inject';
  fault: ScenarioFaultKind;
  id: string;
  target: FaultTarget;
}
export interface HealStep {
  kind: 'heal';
  /** Fault ids to heal, resolved: 'all' becomes every fault injected before this step. */
  ids: string[];
  all: boolean;
}
export interface MarkStep {
  kind: 'mark';
  name: string;
}
export interface WaitHealthyStep {
  kind: 'wait-healthy';
  timeoutMs: number;
  text: string;
}

export interface BackupStep {
  kind: 'backup';
  type: 'full' | 'incremental';
}
export interface SqlStep {
  kind: 'sql';
  statement: string;
}
export type RestoreTo = { kind: 'mark'; mark: string } | { kind: 'latest' } | { kind: 'lsn'; lsn: string };
export const RESTORE_SHAPES = ['single', 'cluster'] as const;
export type RestoreShape = (typeof RESTORE_SHAPES)[number];
export interface RestoreStep {
  kind: 'restore';
  to: RestoreTo;
  /** Names the restored instance and its results in the report. */
  name: string;
  shape: RestoreShape;
  /** A drill inside the restored cluster (shape 'cluster' only). */
  drill?: RestoredDrill;
}

/** A drill inside a restored cluster: steps (no restore among them) and the thresholds its own verdict is judged by. */
export interface RestoredDrill {
  steps: Step[];
  thresholds: Threshold[];
}

export type Step = WaitStep | InjectStep | HealStep | MarkStep | WaitHealthyStep | BackupStep | SqlStep | RestoreStep;
export type StepKind = Step['kind'];

export interface ClusterSpec {
  zones: string[];
  synchronous: SynchronousMode;
  /** Absent: the target's own defaults. */
  patroni?: PatroniTimings;
  dcs: DcsPlacement;
  failsafe: boolean;
  etcdApi: EtcdApi;
  /** Absent: 'on'. */
  archive?: ArchiveMode;
  /** Absent: the target's default generation. */
  stack?: StackGeneration;
}

export interface Scenario {
  name: string;
  description: string;
  cluster: ClusterSpec;
  workload: WorkloadInput;
  steps: Step[];
  thresholds: Threshold[];
  /** Set only when the scenario gives per-target thresholds; scenarioForTarget() resolves it away. */
  byTarget?: Partial<Record<AdjustableTarget, { thresholds: Threshold[] }>>;
}
