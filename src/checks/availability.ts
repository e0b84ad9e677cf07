import type { HistoryEvent, ProbeEvent } from '../history/events.ts';
import { seconds, type CheckResult } from './types.ts';

export type AvailabilityMetric = 'writes_blocked_on_sync_seconds' | 'no_primary_seconds' | 'replication_lag_max_bytes';

export interface BlockedInterval {
  instance: string;
  fromT: number;
  toT: number;
  /** Most sessions seen waiting for a synchronous standby at once. */
  maxWaiters: number;
}

export interface AvailabilityEvidence {
  /** Periods a primary had commits waiting for a synchronous standby: "blocked", not "down". */
  blockedOnSync: BlockedInterval[];
  /** Periods no instance answered as primary. */
  noPrimary: Array<{ fromT: number; toT: number }>;
  /** Largest lag per replica, in bytes. */
  maxLagByReplica: Record<string, number>;
}

/**
 * Tells "commits blocked waiting for a synchronous standby" (a primary is
 * there, its sessions wait in SyncRep) apart from "no primary" (nobody
 * answers as primary), from the direct probes; and the largest replication
 * lag from the lag samples. Without probes both durations are unmeasured.
 */
export function checkAvailability(history: readonly HistoryEvent[]): CheckResult<AvailabilityMetric, AvailabilityEvidence> {
  const probes = history.filter((e): e is HistoryEvent & ProbeEvent => e.type === 'probe');
  const unmeasured: Partial<Record<AvailabilityMetric, string>> = {};
  const evidence: AvailabilityEvidence = { blockedOnSync: blockedIntervals(probes), noPrimary: noPrimaryIntervals(probes), maxLagByReplica: {} };

  for (const e of history) {
    if (e.type !== 'lag' || e.lagBytes === null) continue;
    evidence.maxLagByReplica[e.replica] = Math.max(evidence.maxLagByReplica[e.replica] ?? 0, e.lagBytes);
  }
  const lags = Object.values(evidence.maxLagByReplica);
  if (probes.length === 0) {
    unmeasured.writes_blocked_on_sync_seconds = 'no instance was probed';
    unmeasured.no_primary_seconds = 'no instance was probed';
  }
  if (lags.length === 0) unmeasured.replication_lag_max_bytes = 'no replication lag was sampled';
  return {
    metrics: {
      writes_blocked_on_sync_seconds: probes.length === 0 ? null : seconds(sum(evidence.blockedOnSync.map((b) => b.toT - b.fromT))),
      no_primary_seconds: probes.length === 0 ? null : seconds(sum(evidence.noPrimary.map((b) => b.toT - b.fromT))),
      replication_lag_max_bytes: lags.length === 0 ? null : Math.max(...lags),
    },
    evidence,
    unmeasured,
  };
}

/**
 * A primary is blocked from one probe to the next when both saw sessions
 * waiting for a synchronous standby: a commit waiting a few milliseconds
 * (the normal cost of synchronous replication) is caught by one probe now
 * and then, and must not count as an outage.
 */
function blockedIntervals(probes: ReadonlyArray<ProbeEvent & { t: number }>): BlockedInterval[] {
  const byInstance = new Map<string, Array<ProbeEvent & { t: number }>>();
  for (const p of probes) {
    const list = byInstance.get(p.instance) ?? [];
    list.push(p);
    byInstance.set(p.instance, list);
  }
  const blocked = (p: ProbeEvent | undefined): boolean => !!p && p.reachable && p.role === 'primary' && (p.syncRepWaiters ?? 0) > 0;
  const intervals: BlockedInterval[] = [];
  for (const [instance, samples] of byInstance) {
    let open: BlockedInterval | null = null;
    samples.forEach((p, i) => {
      const next = samples[i + 1];
      if (blocked(p) && blocked(next)) {
        open ??= { instance, fromT: p.t, toT: p.t, maxWaiters: 0 };
        open.toT = next!.t;
        open.maxWaiters = Math.max(open.maxWaiters, p.syncRepWaiters ?? 0, next!.syncRepWaiters ?? 0);
      } else if (open) {
        intervals.push(open);
        open = null;
      }
    });
    if (open) intervals.push(open);
  }
  return intervals.sort((a, b) => a.fromT - b.fromT);
}

/** Walks the probes in time order; between two events, nobody is primary when no instance's latest probe says so. */
function noPrimaryIntervals(probes: ReadonlyArray<ProbeEvent & { t: number }>): Array<{ fromT: number; toT: number }> {
  const primaryNow = new Map<string, boolean>();
  const intervals: Array<{ fromT: number; toT: number }> = [];
  let openFrom: number | null = null;
  for (const p of probes) {
    primaryNow.set(p.instance, p.reachable && p.role === 'primary');
    const any = [...primaryNow.values()].some(Boolean);
    if (!any && openFrom === null) openFrom = p.t;
    if (any && openFrom !== null) {
      intervals.push({ fromT: openFrom, toT: p.t });
      openFrom = null;
    }
  }
  const last = probes[probes.length - 1];
  if (openFrom !== null && last) intervals.push({ fromT: openFrom, toT: last.t });
  return intervals;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
