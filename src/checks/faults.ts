import type { FaultKind, HistoryEvent } from '../history/events.ts';

/** A fault as the history tells it: inject, and its heal if one came. */
export interface FaultRecord {
  fault: string;
  kind: FaultKind;
  targets: string[];
  injectT: number;
  injectedAt: string;
  /** When the fault's action returned (surely in effect); null when it never did (the inject failed). */
  appliedT: number | null;
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
        injectT: event.t, injectedAt: event.wall, appliedT: null,
        healT: null, healedAt: null, healOutcome: 'none',
      });
    } else if (event.type === 'fault-applied') {
      const record = faults.get(event.fault);
      if (record && record.appliedT === null) record.appliedT = event.t;
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
