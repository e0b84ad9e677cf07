import type { FaultKind } from '../history/events.ts';
import type { FaultPrimitives } from './fault-primitives.ts';
import type { ConnectionInfo, InstanceEndpoint } from './endpoints.ts';

/** The target kinds; src/targets/registry.ts has one driver for each. */
export type TargetKind = 'local' | 'kind' | 'kubernetes';

/** What the engine under test says about one instance right now. */
export interface InstanceState {
  name: string;
  zone: string;
  role: 'primary' | 'sync-replica' | 'replica' | 'unknown';
  /** The engine's own word for its state (Patroni: running, stopped, starting, ...). */
  state: string;
  timeline: number | null;
  lagBytes: number | null;
}

export interface Topology {
  instances: InstanceState[];
  /** Name of the instance the engine considers primary, if any. */
  primary: string | null;
}

/** One backup in the target's repository or object store. */
export interface BackupInfo {
  /** The tool's own label (pgBackRest's 20261122-025840F, a CloudNativePG Backup's name). */
  id: string;
  type: 'full' | 'incremental' | 'differential';
  startedAt: string;
  finishedAt: string;
  /** WAL range the backup needs, when the tool reports it. */
  walStart?: string;
  walStop?: string;
}

/** Where a restore stops replaying WAL. */
export type RecoveryTarget =
  | { kind: 'time'; time: string }
  | { kind: 'lsn'; lsn: string }
  | { kind: 'latest' };

/** A cluster restored from backups, beside the one under test; removed by its own teardown. */
export interface RestoredCluster {
  name: string;
  /** Direct endpoint of the restored primary (read-write after recovery ends). */
  primary: ConnectionInfo;
  instances: readonly InstanceEndpoint[];
  /** What the restored instance reports about where recovery stopped (timeline, LSN, last replayed commit time). */
  reached: { timeline: number | null; lsn: string | null; lastCommitAt: string | null };
  /**
   * A cluster restore: resolves once every restored replica streams from
   * the restored primary (and the synchronous standby is there when
   * configured); throws naming what is missing when `timeoutMs` passes.
   */
  awaitReplicas?(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * The restored cluster as a target of its own (its client endpoint, its
   * instances, fault primitives, topology), so a drill can go on inside it.
   * Absent where the target cannot drill a restored cluster. Its teardown is
   * the restored cluster's.
   */
  target?: StartedTarget;
  /** Why `target` is absent although the target kind can drill a restored cluster (building it failed). */
  targetProblem?: string;
  teardown(): Promise<void>;
}

/** Backups and restores; a target without them has no `backups`, and scenarios with backup or restore steps are skipped. */
export interface BackupPrimitives {
  backup(type: 'full' | 'incremental'): Promise<BackupInfo>;
  listBackups(): Promise<BackupInfo[]>;
  /**
   * Checks the repository's integrity with the tool's own verification
   * (pgBackRest verify, ...): every problem it names, and how many. Absent
   * when the target has no such check.
   */
  verify?(): Promise<BackupVerification>;
  /** Restores into fresh instances (1, or a full cluster of the same shape) from the repository. */
  restore(options: { target: RecoveryTarget; shape: 'single' | 'cluster'; name: string }): Promise<RestoredCluster>;
}

/**
 * A target whose stack is up. Everything above the target (workload,
 * observers, faults, checks) reaches the database only through this.
 */
export interface StartedTarget {
  readonly kind: TargetKind;
  readonly runId: string;
  /** Endpoint that follows the primary (HAProxy on local, the -rw Service on Kubernetes). */
  readonly client: ConnectionInfo;
  /** Direct endpoints, one per instance. */
  readonly instances: readonly InstanceEndpoint[];
  /** The fault primitives it implements (see fault-primitives.ts): what faults it can do follows from them. */
  readonly faults: FaultPrimitives;
  /** Absent when the target has no backup repository. */
  readonly backups?: BackupPrimitives;
  topology(): Promise<Topology>;
  /** Versions of the pieces under test, for reports (PostgreSQL, Patroni, pgBackRest, image id, ...). */
  versions(): Promise<Record<string, string>>;
  /**
   * The RTO the stack's configuration predicts for a fault, at most, with
   * how it was derived; null when it predicts none (no failover expected).
   * Absent when the target cannot say.
   */
  expectedRto?(fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null;
  /** false where the stack does not archive WAL (a restored cluster kept apart from its source's repository): no archiver is sampled. Absent: it archives. */
  readonly archives?: boolean;
  /** WAL file names in the backup repository (for the archive-continuity check); absent when the target cannot list them. */
  archivedWal?(): Promise<string[]>;
  /** Every secret of the run, so outputs can be checked and scrubbed. */
  secrets(): readonly string[];
  /** Removes everything the target created for this run. Safe to call more than once. */
  teardown(): Promise<void>;
}

/** A predicted upper bound of the RTO, and the arithmetic behind it (for the report). */
export interface ExpectedRto {
  maxSeconds: number;
  basis: string;
}

/** What a repository verification found: every problem the tool names, one line each. */
export interface BackupVerification {
  tool: string;
  errors: number;
  problems: string[];
}
