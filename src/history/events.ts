/**
 * The history: the only contract between workload, faults, observers and
 * checkers (shared/DESIGN.md). An append-only stream of events, each stamped
 * with `t` (milliseconds since the run started, on a monotonic clock: use it
 * for every duration) and `wall` (ISO 8601 wall-clock time: use it to compare
 * with server-side timestamps and to pick PITR targets).
 */

export interface Stamp {
  /** Milliseconds since the run started, monotonic. */
  t: number;
  /** Wall-clock time of the same instant, ISO 8601 with milliseconds. */
  wall: string;
}

export type PhaseName = 'provision' | 'warm-up' | 'steps' | 'recover' | 'verify' | 'report' | 'teardown';

export interface RunStartEvent {
  type: 'run-start';
  runId: string;
  scenario: string;
  target: string;
}

export interface RunEndEvent {
  type: 'run-end';
  verdict: string;
}

export interface PhaseEvent {
  type: 'phase';
  phase: PhaseName;
  edge: 'begin' | 'end';
}

export interface StepEvent {
  type: 'step';
  index: number;
  /** The step kind as written in the scenario: wait, inject, heal, mark, switchover, ... */
  step: string;
  edge: 'begin' | 'end';
  detail?: string;
}

/** A write attempt: always followed by exactly one ok, fail or info with the same process and key. */
export interface InvokeEvent {
  type: 'invoke';
  op: 'write';
  /** The writer (a logical client process) that issued it. */
  process: number;
  /** Client-generated unique row key. */
  key: string;
}

/** COMMIT returned success to the client: the write is acknowledged. */
export interface OkEvent {
  type: 'ok';
  op: 'write';
  process: number;
  key: string;
  /** Instance that served the write (name as the target knows it). */
  instance: string;
  /** Timeline of that instance when it inserted the row. */
  timeline: number;
  /** The row's clock_timestamp() on the server, ISO 8601. */
  serverTime: string;
  latencyMs: number;
  /**
   * Set when the success came with PostgreSQL's WARNING that the wait for a
   * synchronous standby was cancelled: committed on this instance, maybe on
   * no standby. The server's message, verbatim.
   */
  syncRepWarning?: string;
}

/** Certainly not applied: the server refused before commit (or we never sent it). */
export interface FailEvent {
  type: 'fail';
  op: 'write';
  process: number;
  key: string;
  error: string;
  sqlState?: string;
}

/** Unknown outcome: the connection broke or timed out around the commit. Never success, never failure. */
export interface InfoEvent {
  type: 'info';
  op: 'write';
  process: number;
  key: string;
  error: string;
}

export type WriteOutcomeEvent = OkEvent | FailEvent | InfoEvent;

export type FaultKind =
  | 'primary-kill'
  | 'postgres-kill'
  | 'switchover'
  | 'zone-loss'
  | 'partition'
  | 'freeze'
  | 'stalled-archive'
  | 'dcs-loss'
  | 'replica-kill'
  | 'replica-lag';

export interface InjectEvent {
  type: 'inject';
  /** Fault id, unique in the run (e.g. "f1"); the heal event carries the same id. */
  fault: string;
  kind: FaultKind;
  /** Instance or zone names the fault hit, resolved at inject time (e.g. the primary's name). */
  targets: string[];
}

/**
 * The fault's action returned: from here on it is surely in effect (a killed
 * container is no longer running). Between inject and this event the old
 * primary may still acknowledge writes, so RTO counts only writes invoked
 * after it as recovery, while still measuring from the inject.
 */
export interface FaultAppliedEvent {
  type: 'fault-applied';
  fault: string;
  /** How the fault was applied, when the target had to choose (e.g. "tbf rate limit: netem unavailable"). */
  detail?: string;
}

export interface HealEvent {
  type: 'heal';
  fault: string;
  kind: FaultKind;
  targets: string[];
  outcome: 'healed' | 'failed';
  error?: string;
}

/** One direct probe of one instance (not through the client endpoint). */
export interface ProbeEvent {
  type: 'probe';
  instance: string;
  reachable: boolean;
  /** primary = not in recovery. */
  role?: 'primary' | 'replica';
  timeline?: number;
  /** Current WAL LSN (primary) or last replayed LSN (replica), as text "0/3000060". */
  lsn?: string;
  /** Whether a canary write committed on this instance; null when not tried or it timed out. */
  acceptsWrites?: boolean | null;
  /** Sessions waiting for a synchronous standby (wait_event SyncRep) at probe time. */
  syncRepWaiters?: number;
  latencyMs: number;
  error?: string;
}

export interface ArchiveEvent {
  type: 'archive';
  instance: string;
  archivedCount: number;
  failedCount: number;
  lastArchivedWal: string | null;
  /** Seconds since the last successful archival, per pg_stat_archiver. */
  lastArchivedAgeSeconds: number | null;
  /** Bytes of WAL kept in pg_wal on that instance. */
  walRetainedBytes: number | null;
  /** Bytes of complete WAL segments waiting to be archived (.ready): what an archive stall keeps on the primary. */
  walPendingArchiveBytes?: number | null;
  /** The WAL segment being written (primary only): archiving has caught up once the segment before it is archived. */
  currentWal?: string | null;
}

export interface LagEvent {
  type: 'lag';
  /** The primary reporting the lag. */
  instance: string;
  replica: string;
  lagBytes: number | null;
  syncState: string | null;
}

export interface MarkEvent {
  type: 'mark';
  name: string;
}

export type HistoryBody =
  | RunStartEvent
  | RunEndEvent
  | PhaseEvent
  | StepEvent
  | InvokeEvent
  | OkEvent
  | FailEvent
  | InfoEvent
  | InjectEvent
  | FaultAppliedEvent
  | HealEvent
  | ProbeEvent
  | ArchiveEvent
  | LagEvent
  | MarkEvent;

export type HistoryEvent = Stamp & HistoryBody;

export type HistoryEventType = HistoryEvent['type'];
