import type { FaultKind, HistoryEvent } from '../history/events.ts';

/** A fault as the history tells it: inject, and its heal if one came. */
export interface FaultRecord {
  fault: string;
  kind: FaultKind;
  targets: string[];
  injectT: number;
  injectedAt: string;
  /** When the fault took effect, as its witness dated it; null when it never did (the inject failed, or its witness never saw it). */
  appliedT: number | null;
  appliedAt: string | null;
  /** When the observation that dated it returned (≥ appliedT): writes invoked before it may still have been served unharmed. */
  appliedSeenT: number | null;
  /** What proved it was in effect (absent in histories written before witnesses). */
  witness?: string;
  /** Why it was never in effect, when its witness said so. */
  notApplied?: string;
  /** Seen no longer in effect before its heal (fault-lapsed): when, after how long held, and what showed it. */
  lapsed?: { t: number; at: string; heldSeconds: number; evidence: string };
  /** After a heal: whether the healed state was seen, and what showed it or was missing. */
  healVerified?: { confirmed: boolean; what: string };
  /** Null when no heal succeeded (never attempted, or it failed). */
  healT: number | null;
  healedAt: string | null;
  healOutcome: 'healed' | 'failed' | 'none';
  healError?: string;
}

/** Faults in inject order. A heal that failed then succeeded counts as healed. */
export function listFaults(history: readonly HistoryEvent[]): FaultRecord[] {
  const faults = new Map<string, FaultRecord>();
  for (const event of history) {
    if (event.type === 'inject') {
      faults.set(event.fault, {
        fault: event.fault, kind: event.kind, targets: [...event.targets],
        injectT: event.t, injectedAt: event.wall, appliedT: null, appliedAt: null, appliedSeenT: null,
        healT: null, healedAt: null, healOutcome: 'none',
      });
    } else if (event.type === 'fault-applied') {
      const record = faults.get(event.fault);
      if (record && record.appliedT === null) {
        record.appliedT = event.at?.t ?? event.t;
        record.appliedAt = event.at?.wall ?? event.wall;
        record.appliedSeenT = event.seen?.t ?? record.appliedT;
        if (event.witness) record.witness = event.witness;
      }
    } else if (event.type === 'fault-not-applied') {
      const record = faults.get(event.fault);
      if (record) record.notApplied = event.reason;
    } else if (event.type === 'fault-lapsed') {
      const record = faults.get(event.fault);
      if (record && !record.lapsed) record.lapsed = { t: event.at.t, at: event.at.wall, heldSeconds: event.heldSeconds, evidence: event.evidence };
    } else if (event.type === 'heal-verified') {
      const record = faults.get(event.fault);
      if (record) record.healVerified = { confirmed: event.confirmed, what: (event.confirmed ? event.evidence : event.problem) ?? '' };
    } else if (event.type === 'heal') {
      const record = faults.get(event.fault);
      if (!record || record.healOutcome === 'healed') continue;
      if (event.outcome === 'healed') {
        record.healT = event.t;
        record.healedAt = event.wall;
        record.healOutcome = 'healed';
        delete record.healError;
      } else {
        record.healOutcome = 'failed';
        record.healError = event.error ?? 'heal failed';
      }
    }
  }
  return [...faults.values()];
}
