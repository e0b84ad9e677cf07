import type { FaultKind, HistoryBody, Stamp } from '../history/events.ts';
import type { Evidence, FaultPrimitives, PrimitiveGroup, PrimitiveGroups } from '../targets/fault-primitives.ts';
import type { StartedTarget } from '../targets/target.ts';
import type { TargetWord } from './target-words.ts';

export interface FaultContext {
  target: StartedTarget;
  /**
   * The primitives faults act through: the target's own (a test may wrap
   * them, e.g. to turn one into a no-op and show that the witness catches it).
   */
  faults: FaultPrimitives;
  record: (body: HistoryBody) => void;
  /** The run's clock: a witness dates what it saw with it. */
  now: () => Stamp;
  /** Bounds of the witnesses, in ms (tests shorten them). */
  bounds?: Partial<WitnessBounds>;
  /** Aborted on Ctrl-C: witnesses stop waiting. */
  signal?: AbortSignal;
  /**
   * Takes work that must not hold the drill up, such as watching for a
   * heal's effect while the scenario's next steps run; the runner awaits it
   * before the observers stop. Without it that work is awaited in place.
   */
  background?: (work: Promise<void>) => void;
}

export interface WitnessBounds {
  /** Until a dating observation first sees the fault. */
  moment: number;
  /** Until the proof holds, once the inject returned. */
  proof: number;
  /** Until the healed state is seen after a heal. */
  healed: number;
}

export const DEFAULT_WITNESS_BOUNDS: WitnessBounds = { moment: 15_000, proof: 20_000, healed: 60_000 };

/**
 * What proves a fault is in effect, and when it took effect, and what shows
 * its heal took effect. `before` is read just before the inject (what the
 * checks compare with). The fault is dated either by an observation polled
 * from the inject event on, alongside the inject itself (a container seen
 * stopped), or, where nothing outside can date it more closely, by the
 * moment the inject returned (rules in place). Either way the proof must
 * then hold within its bound, or the run is inconclusive: a fault that did
 * nothing must never count. Each check returns evidence or null (not yet).
 */
export interface FaultWitness<G extends PrimitiveGroup, B> {
  before(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext): Promise<B>;
  dated: 'by-observation' | 'by-inject';
  /** With 'by-observation': the cheap check polled every few tens of ms that dates the fault. */
  moment?(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext, before: B): Promise<Evidence>;
  proof(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext, before: B): Promise<Evidence>;
  healed(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext, before: B): Promise<Evidence>;
}

/** What a scenario step asks for: which fault, its id, what it hits (a target word: primary, replica, primary-zone, zone:a, ...). */
export interface FaultRequest {
  id: string;
  kind: FaultKind;
  target: string;
}

/**
 * One fault kind, in a file of its own under kinds/: the target primitives
 * it composes (a target lacking them cannot do it: the scenario is skipped),
 * the target words a scenario may give it, how to find what it hits, how to
 * inject it and how to heal it. `heal` must be safe to call when the inject
 * failed half-way, and twice.
 */
export interface FaultDefinition<G extends PrimitiveGroup = PrimitiveGroup, B = unknown> {
  kind: FaultKind;
  primitives: G;
  describe: string;
  /** Target words a scenario may give; the first is the default. */
  targets: readonly TargetWord[];
  resolveTargets(context: FaultContext, request: FaultRequest): Promise<string[]>;
  /** Applies the fault; may return how it was applied when the target had a choice (recorded with fault-applied). */
  inject(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext): Promise<string | void>;
  heal(primitives: PrimitiveGroups[G], targets: string[], context: FaultContext): Promise<void>;
  witness: FaultWitness<G, B>;
  /** Wider witness bounds for a kind whose inject is a procedure of many steps (the defaults suit one action). */
  bounds?: Partial<WitnessBounds>;
}

/** A definition whose primitive group is known (what the catalogue holds). */
export type AnyFaultDefinition = { [G in PrimitiveGroup]: FaultDefinition<G, unknown> }[PrimitiveGroup];

/** Gives a definition its group's and its witness baseline's types; the object is returned as is. */
export function defineFault<G extends PrimitiveGroup, B>(definition: FaultDefinition<G, B>): FaultDefinition<G, B> {
  return definition;
}

export interface ActiveFault {
  id: string;
  kind: FaultKind;
  targets: string[];
  /** Heals now (once); the same heal also stays registered for every exit path until it ran. */
  heal(): Promise<void>;
}
