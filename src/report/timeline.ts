import type { FaultRto } from '../checks/rto.ts';
import type { HistoryEvent } from '../history/events.ts';
import type { TimelineEntry } from './run-result.ts';

/** Entries beyond this are dropped from the report's timeline (the history keeps everything). */
const TIMELINE_LIMIT = 500;

/**
 * The moments a reader of a drill report looks for: phases, steps, faults,
 * marks, role changes seen by the probes, and the write that ended each
 * outage. Per-write and per-probe noise stays in history.jsonl.
 */
export function deriveTimeline(history: readonly HistoryEvent[], rto: readonly FaultRto[] = []): TimelineEntry[] {
  const entries: { t: number; at: string; what: string }[] = [];
  const roles = new Map<string, string>();
  for (const e of history) {
    const what = describe(e, roles);
    // A fault is shown when it took effect, which its witness may have seen before the event was written.
    const when = (e.type === 'fault-applied' || e.type === 'fault-lapsed') && e.at ? e.at : e;
    if (what !== null) entries.push({ t: when.t, at: when.wall, what });
  }
  for (const f of rto) {
    if (f.firstOk) {
      const ok = f.firstOk;
      entries.push({ t: ok.ackT, at: ok.ackedAt, what: `first write acknowledged after ${f.fault}: ${ok.key} on ${ok.instance}, timeline ${ok.timeline} (RTO ${f.rtoSeconds}s)` });
    }
  }
  entries.sort((a, b) => a.t - b.t);
  return entries.slice(0, TIMELINE_LIMIT).map((e) => ({ seconds: Math.round(e.t) / 1000, at: e.at, what: e.what }));
}

function describe(e: HistoryEvent, roles: Map<string, string>): string | null {
  switch (e.type) {
    case 'run-start':
      return `run ${e.runId} started: ${e.scenario} on ${e.target}`;
    case 'run-end':
      return `run ended: ${e.verdict}`;
    case 'phase':
      return `${e.phase} ${e.edge === 'begin' ? 'began' : 'ended'}`;
    case 'step':
      return e.edge === 'begin' ? `step ${e.index + 1}: ${e.detail ?? e.step}` : null;
    case 'inject':
      return `fault ${e.fault} injected: ${e.kind} on ${e.targets.join(', ') || '(no target)'}`;
    case 'fault-applied':
      return `fault ${e.fault} in effect${e.detail ? ` (${e.detail})` : ''}${e.witness ? `: ${e.witness}` : ''}`;
    case 'fault-not-applied':
      return `fault ${e.fault} never took effect: ${e.reason}`;
    case 'fault-lapsed':
      return `fault ${e.fault} no longer in effect after ${e.heldSeconds}s held, before its heal: ${e.evidence}`;
    case 'heal-verified':
      return e.confirmed ? `fault ${e.fault} healed state seen: ${e.evidence ?? ''}` : `fault ${e.fault}: ${e.problem ?? 'healed state not seen'}`;
    case 'heal':
      return e.outcome === 'healed' ? `fault ${e.fault} healed` : `heal of ${e.fault} failed: ${e.error ?? 'unknown error'}`;
    case 'mark':
      return `mark ${e.name}`;
    case 'steady-state':
      return e.ok ? `steady state: ${e.checks.join('; ')}` : `not in steady state: ${e.checks.join('; ')}`;
    case 'rows-deleted':
      return `the scenario's SQL removed ${e.keys.length} row(s)`;
    case 'failover-backup':
      return e.ok ? `backup after the failover: ${e.id ?? ''} in ${e.seconds}s` : `backup after the failover failed: ${e.error ?? ''}`;
    case 'probe': {
      // Only changes: "pg-b became primary (timeline 2)".
      const role = !e.reachable ? 'unreachable' : e.role ?? 'unknown';
      const state = `${role}${e.timeline === undefined || !e.reachable ? '' : ` (timeline ${e.timeline})`}`;
      const before = roles.get(e.instance);
      roles.set(e.instance, state);
      if (before === state) return null;
      return before === undefined ? `${e.instance} seen ${state}` : `${e.instance} became ${state}`;
    }
    case 'invoke':
    case 'ok':
    case 'fail':
    case 'info':
    case 'archive':
    case 'lag':
      return null;
    default:
      return assertNever(e);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected history event ${JSON.stringify(value)}`);
}
