import type { FaultKind } from '../history/events.ts';
import type { ConnectionInfo, InstanceEndpoint } from './endpoints.ts';

export type TargetKind = 'local' | 'kind' | 'kubernetes';
export const TARGET_KINDS: readonly TargetKind[] = ['local', 'kind', 'kubernetes'];

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

export type Capability = FaultKind | 'backup' | 'restore';

/**
 * The fault primitives a target performs on its own stack. Faults in
 * src/faults/ compose these; a target lacking one leaves the matching
 * capability out, and scenarios needing it are skipped. Every primitive has
 * an undo that is safe to call when the primitive failed half-way, or twice.
 */
export interface FaultPrimitives {
  /** SIGKILL the whole instance (container or pod): its address stops answering. */
  killInstance(name: string): Promise<void>;
  /** Start an instance killed by killInstance again (it rejoins as the engine decides). */
  startInstance(name: string): Promise<void>;
  /** SIGKILL every PostgreSQL process of the instance; the engine restarts PostgreSQL. */
  killPostgres(name: string): Promise<void>;
  /** A planned switchover performed by the engine, from the current primary to `candidate`. */
  switchover(primary: string, candidate: string): Promise<void>;
  /** Freeze every process of the instance (SIGSTOP / docker pause); its connections stay open. */
  freezeInstance(name: string): Promise<void>;
  thawInstance(name: string): Promise<void>;
  /** Stop every member of a zone at once (database instance, consensus member, node). */
  stopZone(zone: string): Promise<void>;
  startZone(zone: string): Promise<void>;
  /**
   * Cut instances off from every other instance, and from the consensus store
   * when `fromDcs`; clients that connect to them directly still reach them.
   */
  isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void>;
  rejoinInstances(names: string[]): Promise<void>;
  /** Cut every member of a zone off from the other zones (symmetric halves). */
  isolateZone(zone: string): Promise<void>;
  rejoinZone(zone: string): Promise<void>;
  /** Make the backup repository unreachable from every database instance (WAL archiving fails). */
  stallArchive(): Promise<void>;
  resumeArchive(): Promise<void>;
  /** Members of the consensus store (etcd members on local), and stopping / starting some of them. */
  dcsMembers(): string[];
  stopDcsMembers(names: string[]): Promise<void>;
  startDcsMembers(names: string[]): Promise<void>;
  /**
   * Degrade the instance's network link (delay and loss with tc netem, or a
   * rate limit where the kernel has no netem); returns how. Throws
   * PrimitiveUnsupportedError when the machine can do neither.
   */
  degradeLink(name: string): Promise<string>;
  restoreLink(name: string): Promise<void>;
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
  teardown(): Promise<void>;
}

/** Backups and restores; a target without them leaves the backup / restore capabilities out. */
export interface BackupPrimitives {
  backup(type: 'full' | 'incremental'): Promise<BackupInfo>;
  listBackups(): Promise<BackupInfo[]>;
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
  readonly capabilities: ReadonlySet<Capability>;
  readonly faults: FaultPrimitives;
  /** Absent when the target has no backup repository. */
  readonly backups?: BackupPrimitives;
  topology(): Promise<Topology>;
  /** Versions of the pieces under test, for reports (PostgreSQL, Patroni, pgBackRest, image id, ...). */
  versions(): Promise<Record<string, string>>;
  /** WAL file names in the backup repository (for the archive-continuity check); absent when the target cannot list them. */
  archivedWal?(): Promise<string[]>;
  /** Every secret of the run, so outputs can be checked and scrubbed. */
  secrets(): readonly string[];
  /** Removes everything the target created for this run. Safe to call more than once. */
  teardown(): Promise<void>;
}
