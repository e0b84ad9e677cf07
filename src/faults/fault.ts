import type { FaultKind, HistoryBody } from '../history/events.ts';
import type { Capability, StartedTarget } from '../targets/target.ts';

export interface FaultContext {
  target: StartedTarget;
  record: (body: HistoryBody) => void;
}

/** What a scenario step asks for: which fault, its id, what it hits (a target word: primary, replica, primary-zone, zone:a, ...). */
export interface FaultRequest {
  id: string;
  kind: FaultKind;
  target: string;
}

/**
 * One fault kind: how to find what it hits, how to inject it, how to heal it.
 * `heal` must be safe to call when the inject failed half-way, and twice.
 */
export interface FaultDefinition {
  kind: FaultKind;
  capability: Capability;
  describe: string;
  resolveTargets(context: FaultContext, request: FaultRequest): Promise<string[]>;
  /** Applies the fault; may return how it was applied when the target had a choice (recorded with fault-applied). */
  inject(context: FaultContext, targets: string[]): Promise<string | void>;
  heal(context: FaultContext, targets: string[]): Promise<void>;
}

export interface ActiveFault {
  id: string;
  kind: FaultKind;
  targets: string[];
  /** Heals now (once); the same heal also stays registered for every exit path until it ran. */
  heal(): Promise<void>;
}
