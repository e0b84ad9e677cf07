import type { FailEvent, HistoryEvent, InfoEvent, InvokeEvent, OkEvent, Stamp } from '../history/events.ts';
import { evidenceList, type CheckOptions, type CheckResult, type EvidenceList } from './types.ts';

export type StampedInvoke = Stamp & InvokeEvent;
export type StampedOk = Stamp & OkEvent;
export type StampedCompletion = Stamp & (OkEvent | FailEvent | InfoEvent);

/** One write: its invoke and its single completion (null: still pending when the history ended). */
export interface WriteOp {
  process: number;
  key: string;
  invoke: StampedInvoke;
  completion: StampedCompletion | null;
}

/** A break of the invoke → ok|fail|info protocol: the workload, not the database, is at fault. */
export interface WriteProtocolViolation {
  problem: 'completion-without-invoke' | 'second-completion' | 'key-invoked-twice';
  process: number;
  key: string;
  t: number;
}

export interface WriteHistory {
  /** In invoke order. */
  ops: readonly WriteOp[];
  /** Keys are client-generated and unique: the first op per key. */
  byKey: ReadonlyMap<string, WriteOp>;
  /** Acknowledgements in history (= ack time) order, each with its op. */
  oks: readonly { ok: StampedOk; op: WriteOp }[];
  /** Every invoke's t, ascending. */
  invokeTimes: readonly number[];
  violations: readonly WriteProtocolViolation[];
}

// Several checkers need the pairing; a history is immutable once checked, so pair it once.
const paired = new WeakMap<readonly HistoryEvent[], WriteHistory>();

/**
 * Pairs each invoke with its completion per (process, key), as Jepsen does.
 * Assumes history order (the recorder appends in stamp order).
 */
export function pairWrites(history: readonly HistoryEvent[]): WriteHistory {
  const cached = paired.get(history);
  if (cached) return cached;
  const ops: WriteOp[] = [];
  const byKey = new Map<string, WriteOp>();
  const open = new Map<string, WriteOp>();
  const oks: { ok: StampedOk; op: WriteOp }[] = [];
  const invokeTimes: number[] = [];
  const violations: WriteProtocolViolation[] = [];
  for (const event of history) {
    switch (event.type) {
      case 'invoke': {
        const op: WriteOp = { process: event.process, key: event.key, invoke: event, completion: null };
        ops.push(op);
        invokeTimes.push(event.t);
        if (byKey.has(event.key)) violations.push({ problem: 'key-invoked-twice', process: event.process, key: event.key, t: event.t });
        else byKey.set(event.key, op);
        open.set(opId(event.process, event.key), op);
        break;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        const id = opId(event.process, event.key);
        const op = open.get(id);
        if (!op) {
          const done = byKey.get(event.key);
          const problem = done && done.process === event.process ? 'second-completion' : 'completion-without-invoke';
          violations.push({ problem, process: event.process, key: event.key, t: event.t });
          break;
        }
        open.delete(id);
        op.completion = event;
        if (event.type === 'ok') oks.push({ ok: event, op });
        break;
      }
      default:
        break;
    }
  }
  const result: WriteHistory = { ops, byKey, oks, invokeTimes, violations };
  paired.set(history, result);
  return result;
}

function opId(process: number, key: string): string {
  return `${process}\u0000${key}`;
}

/** The outcome a set checker uses: a write never completed counts as unknown (Jepsen treats it as info). */
export function outcomeOf(op: WriteOp): 'ok' | 'fail' | 'info' {
  return op.completion?.type ?? 'info';
}

export interface ErrorCount {
  outcome: 'fail' | 'info';
  error: string;
  count: number;
}

export interface WritesEvidence {
  /** Invoked but never completed when the history ended (counted in writes_unknown). */
  pending: number;
  /** The most frequent failure and unknown-outcome errors. */
  topErrors: ErrorCount[];
  protocolViolations: EvidenceList<WriteProtocolViolation>;
}

export type WritesMetric = 'writes_invoked' | 'writes_ok' | 'writes_failed' | 'writes_unknown';

export function checkWrites(history: readonly HistoryEvent[], options: CheckOptions = {}): CheckResult<WritesMetric, WritesEvidence> {
  const writes = pairWrites(history);
  let ok = 0;
  let failed = 0;
  let unknown = 0;
  let pending = 0;
  const errors = new Map<string, ErrorCount>();
  for (const op of writes.ops) {
    const c = op.completion;
    if (c === null) pending += 1;
    if (c?.type === 'ok') ok += 1;
    else if (c?.type === 'fail') failed += 1;
    else unknown += 1;
    if (c && c.type !== 'ok') {
      const id = `${c.type}\u0000${c.error}`;
      const entry = errors.get(id) ?? { outcome: c.type, error: c.error, count: 0 };
      entry.count += 1;
      errors.set(id, entry);
    }
  }
  return {
    metrics: { writes_invoked: writes.ops.length, writes_ok: ok, writes_failed: failed, writes_unknown: unknown },
    evidence: {
      pending,
      topErrors: [...errors.values()].sort((a, b) => b.count - a.count).slice(0, 10),
      protocolViolations: evidenceList(writes.violations, options.evidenceLimit),
    },
    unmeasured: {},
  };
}
