import type { HistoryEvent } from '../history/events.ts';
import { listFaults } from './faults.ts';

/**
 * Whether each fault was what the scenario declared for its whole window:
 * the checks that make a run's measurements void rather than wrong. A fault
 * that lapsed before its heal (something other than pgdrill undid it)
 * measured a blip, not the declared fault: the run is inconclusive whatever
 * its thresholds say. Each reason names the fault, when it lapsed and how
 * long it held.
 */
export function checkFaultIntegrity(history: readonly HistoryEvent[]): { voided: string[] } {
  const voided: string[] = [];
  for (const f of listFaults(history)) {
    if (f.lapsed) {
      voided.push(
        `fault ${f.fault} (${f.kind} ${f.targets.join(', ')}) lapsed before its heal, at ${f.lapsed.at} after ${f.lapsed.heldSeconds}s in effect: ${f.lapsed.evidence}`,
      );
    }
  }
  return { voided };
}
