import type { FaultKind, HistoryEvent } from '../history/events.ts';
import { listFaults, type FaultRecord } from './faults.ts';
import { METRICS } from './metric-catalogue.ts';
import { seconds, type CheckResult } from './types.ts';
import { pairWrites, type StampedOk, type WriteHistory, type WriteOp } from './writes.ts';

/** The first acknowledged write that proves service came back after a fault. */
export interface RecoveryWrite {
  key: string;
  process: number;
  invokeT: number;
  ackT: number;
  ackedAt: string;
  instance: string;
  timeline: number;
  serverTime: string;
}

export interface FaultRto {
  fault: string;
  kind: FaultKind;
  targets: string[];
  injectT: number;
  injectedAt: string;
  /** When the fault took effect (its witness), what RTO counts from; the inject's when no witness dated it. */
  effectiveT: number;
  effectiveAt: string;
  /** From the inject event to the fault taking effect: the harness's own latency, left out of the RTO. */
  injectToEffectSeconds: number | null;
  /** What proved the fault was in effect. */
  witness: string | null;
  /** A write invoked at or after the inject was acknowledged. */
  recovered: boolean;
  rtoSeconds: number | null;
  writeDowntimeSeconds: number | null;
  serverRtoSeconds: number | null;
  resolutionSeconds: number | null;
  /** Write attempts between the inject and the recovery write (or the end of the history). */
  attemptsDuringOutage: number;
  lastOkBefore: { key: string; ackT: number; ackedAt: string; instance: string; timeline: number } | null;
  firstOk: RecoveryWrite | null;
  /** Compared with the last acknowledgement before the fault; null when there was none to compare. */
  newTimeline: boolean | null;
  newInstance: boolean | null;
  /**
   * Not recovered: from the moment it took effect to the last write
   * attempted, none acknowledged. Its RTO is at least this much; a
   * threshold above it cannot be judged from this history.
   */
  watchedSeconds: number | null;
  /** Why this fault's RTO is not a measurement (no write attempted after it); absent when it is. */
  unmeasured?: string;
}

export type RtoMetric =
  | 'rto_seconds'
  | 'write_downtime_seconds'
  | 'server_rto_seconds'
  | 'rto_resolution_seconds'
  | 'faults_injected'
  | 'faults_unhealed';

export interface RtoEvidence {
  faults: FaultRto[];
  /** Heal state of each fault, from the inject/heal events. */
  records: FaultRecord[];
}

/**
 * RTO per fault, as docs/design.md defines it: from the moment the fault
 * took effect (its witness, on fault-applied; the inject for histories
 * without one) to the first acknowledgement of a write INVOKED at or after
 * that moment. A write sent before it and acknowledged after it says
 * nothing about whether new clients are served, so it must not shorten
 * the RTO; and the harness's own latency between the inject command and
 * the fault taking effect is not the stack's recovery time. Given the
 * lost keys (from the RPO check), acknowledgements that were later lost do
 * not count either: an isolated primary answering is not service restored.
 * Run metrics are the worst fault's; null when there was no fault (listed as
 * unmeasured) or when any fault never recovered (not unmeasured: unbounded).
 */
export function checkRto(
  history: readonly HistoryEvent[],
  options: { lostKeys?: ReadonlySet<string> } = {},
): CheckResult<RtoMetric, RtoEvidence> {
  const writes = pairWrites(history);
  const records = listFaults(history);
  // An acknowledgement that was later lost (a cut-off primary still answering) is not service restored.
  const lost = options.lostKeys ?? new Set<string>();
  const durable = { ...writes, oks: writes.oks.filter((entry) => !lost.has(entry.op.key)) };
  const faults = records.map((record) => faultRto(record, durable));
  const unmeasured: Partial<Record<RtoMetric, string>> = {};

  const worst = (pick: (f: FaultRto) => number | null): number | null => {
    let max: number | null = null;
    for (const f of faults) {
      const v = f.recovered ? pick(f) : null;
      if (v === null) return null;
      max = max === null ? v : Math.max(max, v);
    }
    return max;
  };

  const metrics: Record<RtoMetric, number | null> = {
    rto_seconds: worst((f) => f.rtoSeconds),
    write_downtime_seconds: worst((f) => f.writeDowntimeSeconds),
    server_rto_seconds: worst((f) => f.serverRtoSeconds),
    rto_resolution_seconds: worst((f) => f.resolutionSeconds),
    faults_injected: faults.length,
    faults_unhealed: records.filter((r) => r.healOutcome !== 'healed').length,
  };

  const unmeasuredFault = faults.find((f) => f.unmeasured !== undefined);
  const reason =
    faults.length === 0 ? 'no fault was injected'
    : unmeasuredFault ? `fault ${unmeasuredFault.fault}: ${unmeasuredFault.unmeasured}`
    : null;
  // The fault counts are measured (0) without a fault; only the per-fault metrics (the catalogue's needsFault) are not.
  if (reason) for (const m of Object.keys(metrics) as RtoMetric[]) if (METRICS[m].needsFault) unmeasured[m] = reason;
  // The server's clock may be unreadable while the client side is fine: say so instead of a bare null.
  const badServerTime = faults.find((f) => f.recovered && f.serverRtoSeconds === null);
  if (!reason && badServerTime) unmeasured.server_rto_seconds = `fault ${badServerTime.fault}: the recovery write's serverTime "${badServerTime.firstOk?.serverTime}" is not a timestamp`;

  // An outage still going on when the history ended bounds the RTO and the downtime from below, nothing more.
  const watched = faults.filter((f) => !f.recovered && f.watchedSeconds !== null).map((f) => f.watchedSeconds!);
  const atLeast: Partial<Record<RtoMetric, number>> =
    watched.length > 0 && metrics.rto_seconds === null ? { rto_seconds: Math.max(...watched), write_downtime_seconds: Math.max(...watched) } : {};
  return { metrics, evidence: { faults, records }, unmeasured, atLeast };
}

function faultRto(record: FaultRecord, writes: WriteHistory): FaultRto {
  const injectT = record.injectT;
  // Until the fault took effect the old primary may still serve: only a
  // write invoked from then on proves recovery, and RTO counts from then.
  const startT = record.appliedT ?? injectT;
  const startAt = record.appliedAt ?? record.injectedAt;
  // The witness saw it somewhere between startT and seenT: a write invoked in
  // between may have been served before the fault hit (an old primary that
  // was not yet going down), so only one invoked after seenT proves recovery.
  const seenT = Math.max(startT, record.appliedSeenT ?? startT);
  let lastBefore: { ok: StampedOk; op: WriteOp } | null = null;
  let lastBeforeInject: { ok: StampedOk; op: WriteOp } | null = null;
  let recovery: { ok: StampedOk; op: WriteOp } | null = null;
  for (const entry of writes.oks) {
    if (entry.ok.t < injectT) lastBeforeInject = entry;
    if (entry.ok.t < startT) lastBefore = entry;
    else if (entry.op.invoke.t >= seenT) {
      recovery = entry;
      break;
    }
  }

  const endOfOutage = recovery ? recovery.op.invoke.t : Infinity;
  const attempts = writes.invokeTimes.filter((t) => t >= startT && t <= endOfOutage);
  const base = {
    fault: record.fault, kind: record.kind, targets: record.targets,
    injectT, injectedAt: record.injectedAt,
    effectiveT: startT, effectiveAt: startAt,
    injectToEffectSeconds: record.appliedT === null ? null : seconds(record.appliedT - injectT),
    witness: record.witness ?? null,
    attemptsDuringOutage: recovery ? attempts.length - 1 : attempts.length,
    lastOkBefore: lastBefore && {
      key: lastBefore.op.key, ackT: lastBefore.ok.t, ackedAt: lastBefore.ok.wall,
      instance: lastBefore.ok.instance, timeline: lastBefore.ok.timeline,
    },
  };

  if (!recovery) {
    return {
      ...base, recovered: false, rtoSeconds: null, writeDowntimeSeconds: null, serverRtoSeconds: null,
      resolutionSeconds: attempts.length > 0 ? seconds(largestGap([startT, ...attempts])) : null,
      watchedSeconds: attempts.length > 0 ? seconds(attempts[attempts.length - 1]! - startT) : null,
      firstOk: null, newTimeline: null, newInstance: null,
      ...(attempts.length === 0 ? { unmeasured: 'no write was attempted after it (did the workload stop?)' } : {}),
    };
  }

  const ok = recovery.ok;
  // Acknowledgements between the last one before the inject and the recovery one:
  // a late ack of an old write splits the outage, and the longest piece is the downtime.
  // From the inject, not the moment: a procedure (a rolling restart) may stall commits before its outage.
  const from = lastBeforeInject ? lastBeforeInject.ok.t : injectT;
  const ackTimes = [from];
  for (const entry of writes.oks) if (entry.ok.t > from && entry.ok.t <= ok.t) ackTimes.push(entry.ok.t);
  const serverMs = parseServerTime(ok.serverTime);

  return {
    ...base,
    recovered: true,
    rtoSeconds: seconds(ok.t - startT),
    writeDowntimeSeconds: seconds(largestGap(ackTimes)),
    serverRtoSeconds: Number.isNaN(serverMs) ? null : seconds(serverMs - Date.parse(startAt)),
    resolutionSeconds: seconds(largestGap([startT, ...attempts])),
    watchedSeconds: null,
    firstOk: {
      key: recovery.op.key, process: recovery.op.process, invokeT: recovery.op.invoke.t,
      ackT: ok.t, ackedAt: ok.wall, instance: ok.instance, timeline: ok.timeline, serverTime: ok.serverTime,
    },
    newTimeline: lastBefore ? ok.timeline !== lastBefore.ok.timeline : null,
    newInstance: lastBefore ? ok.instance !== lastBefore.ok.instance : null,
  };
}

/** Largest difference between consecutive values of an ascending list (0 for one value). */
function largestGap(ascending: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < ascending.length; i++) gap = Math.max(gap, ascending[i]! - ascending[i - 1]!);
  return gap;
}

/**
 * Epoch ms of a server timestamp. Accepts ISO 8601 and PostgreSQL's text form
 * ("2025-01-01 10:00:00.123456+00"), which Date.parse does not read as is.
 */
export function parseServerTime(text: string): number {
  const iso = text.trim().replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  return Date.parse(iso);
}
