/**
 * The history: the only contract between workload, faults, observers and
 * checkers (docs/design.md). An append-only stream of events, each stamped
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

export type PhaseName = 'provision' | 'warm-up' | 'steady-state' | 'steps' | 'recover' | 'verify' | 'report' | 'teardown';

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

/**
 * Every fault kind, the one list: src/faults/catalogue.ts must define each
 * (the compiler says which is missing), and scenarios may inject each.
 */
export const FAULT_KINDS = [
  'primary-kill',
  'postgres-kill',
  'switchover',
  'zone-loss',
  'partition',
  'freeze',
  'stalled-archive',
  'dcs-loss',
  'replica-kill',
  'replica-lag',
  'rolling-restart',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectEvent {
  type: 'inject';
  /** Fault id, unique in the run (e.g. "f1"); the heal event carries the same id. */
  fault: string;
  kind: FaultKind;
  /** Instance or zone names the fault hit, resolved at inject time (e.g. the primary's name). */
  targets: string[];
  /** The primary just before the inject, as the engine reported it (absent when there was none, or in older histories). */
  primary?: string;
}

/**
 * The fault is surely in effect: its witness (src/faults/kinds/*) saw it.
 * `at` is when it took effect: the first observation that saw it, or the
 * moment its inject returned where nothing outside can date it more
 * closely. RTO is measured from `at`, and only writes invoked after it
 * count as recovery (before it the old primary may still answer).
 */
export interface FaultAppliedEvent {
  type: 'fault-applied';
  fault: string;
  /** How the fault was applied, when the target had to choose (e.g. "tbf rate limit: netem unavailable"). */
  detail?: string;
  /** When the fault took effect (absent in histories of pgdrill before witnesses: then the event's own stamp). */
  at?: Stamp;
  /**
   * When the dating observation that saw it returned: the fault took effect
   * between `at` (the observation began) and `seen`. A write invoked before
   * `seen` may still have been served as if nothing happened. Absent in
   * older histories: then `at`.
   */
  seen?: Stamp;
  /** What proved it: the dating observation and the proof, as evidence lines. */
  witness?: string;
  dated?: 'by-observation' | 'by-inject';
  /** The RTO the stack's configuration predicts for this fault, at most (absent when it predicts none). */
  expected?: { maxSeconds: number; basis: string };
}

/** The fault's witness never saw it take effect within its bound: the run measures nothing and is inconclusive. */
export interface FaultNotAppliedEvent {
  type: 'fault-not-applied';
  fault: string;
  reason: string;
}

/**
 * A fault seen no longer in effect before pgdrill healed it: something else
 * undid it (a supervisor restarted the container, the engine resumed a
 * paused one, a daemon rebuilt the rules). From then on the drill measures
 * a blip, not the fault it declares: the run is inconclusive. `at` is when
 * the hold check that first saw it lapsed began; `heldSeconds` runs from the
 * fault's moment (fault-applied `at`) to then.
 */
export interface FaultLapsedEvent {
  type: 'fault-lapsed';
  fault: string;
  at: Stamp;
  heldSeconds: number;
  /** What showed it was no longer in effect. */
  evidence: string;
}

/** After a heal: whether the stack reached the healed state within the bound (what showed it, or what was missing). */
export interface HealVerifiedEvent {
  type: 'heal-verified';
  fault: string;
  confirmed: boolean;
  evidence?: string;
  problem?: string;
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
  /** pg_stat_replication.state: streaming, catchup, startup, ... */
  state?: string | null;
}

export interface MarkEvent {
  type: 'mark';
  name: string;
}

/**
 * Before the first step: whether the stack had its configured shape (a
 * primary, every replica streaming, the synchronous standby when
 * configured, archiving working, a backup for PITR drills), and that shape,
 * which the recovery checker measures the return to.
 */
export interface SteadyStateEvent {
  type: 'steady-state';
  ok: boolean;
  primary: string | null;
  /** Every instance of the configured shape. */
  instances: string[];
  synchronous: boolean;
  /** What was checked, one line each (or what did not hold). */
  checks: string[];
}

/** Rows a scenario's own SQL step removed from the writes table: intentional, never counted as lost. */
export interface RowsDeletedEvent {
  type: 'rows-deleted';
  /** The step's statement as written. */
  statement: string;
  keys: string[];
}

/** The backup the runner takes after a failover (a repository on the new timeline must take backups). */
export interface FailoverBackupEvent {
  type: 'failover-backup';
  ok: boolean;
  seconds: number;
  id?: string;
  error?: string;
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
  | FaultNotAppliedEvent
  | FaultLapsedEvent
  | HealVerifiedEvent
  | HealEvent
  | ProbeEvent
  | ArchiveEvent
  | LagEvent
  | MarkEvent
  | SteadyStateEvent
  | RowsDeletedEvent
  | FailoverBackupEvent;

export type HistoryEvent = Stamp & HistoryBody;

export type HistoryEventType = HistoryEvent['type'];
