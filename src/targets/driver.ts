import type { TeardownStack } from '../lifecycle/teardown-stack.ts';
import type { FaultKind } from '../history/events.ts';
import type { Progress } from '../progress/progress.ts';
import type { ClusterSpec } from '../scenario/types.ts';
import type { PrimitiveGroup } from './fault-primitives.ts';
import type { StartedTarget, TargetKind } from './target.ts';

/** A command-line option that belongs to one target kind (`pgdrill run` and `pgdrill cleanup` offer it). */
export interface TargetFlag {
  /** Commander's syntax, e.g. "--namespace <name>" or "--allow-destructive <namespace...>". */
  flags: string;
  description: string;
  /** Its key among the parsed options (Commander's camelCase), e.g. "allowDestructive". */
  key: string;
}

/**
 * The generations of a target's stack that `certify --baseline/--candidate`
 * may name, and the run option that takes one.
 */
export interface TargetGenerations {
  /** The run option a generation goes into: its key among the parsed options ("stack", "generation"). */
  key: string;
  /** What one is called, for messages: "stack generation". */
  noun: string;
  /** How one is written, for messages: "a stack generation (debian12, debian13)". */
  description: string;
  /** True when the value is written as one, a bad one included (check refuses that). */
  spelledAs(value: string): boolean;
  /** Refuses a bad one (UsageError, exit 2); `flag` is the option it came from. */
  check(value: string, flag: string): void;
  /** Refuses a baseline and a candidate this target cannot both run (exit 2). */
  checkPair?(baseline: string, candidate: string): void;
}

/** What a target of this kind can do with these settings, known before anything starts. */
export interface TargetCapabilities {
  /** Fault primitive groups its started target implements (read off its primitives class). */
  primitives: ReadonlySet<PrimitiveGroup>;
  /** Whether it takes backups and restores them (backup and restore steps). */
  backups: boolean;
  /** Why a group is missing, for the skipped scenario's reason; undefined: a generic reason. */
  missingReason?(group: PrimitiveGroup): string | undefined;
}

/** What a run asks of the target, for the checks made before anything starts. */
export interface TargetPlan {
  runId: string;
  cluster: ClusterSpec;
  faultKinds: readonly FaultKind[];
}

export interface TargetStartArgs {
  runId: string;
  cluster: ClusterSpec;
  progress: Progress;
  /** The run's teardown stack: the driver registers the run's removal on it before it creates anything. */
  teardowns: TeardownStack;
  signal: AbortSignal;
}

/**
 * Everything pgdrill knows about one target kind, in one place: its flags,
 * and, once configured from the parsed options, what it can do, what it
 * checks before anything starts, how it starts the stack for a scenario,
 * and how it removes runs left behind. The CLI and the runner ask the
 * registry (registry.ts) for the driver; nothing else switches on the kind.
 */
export interface TargetDriver {
  readonly kind: TargetKind;
  /** One line: what the stack is and where it runs. */
  readonly summary: string;
  readonly flags: readonly TargetFlag[];
  /** The generations certify may name for this target; absent: none (its sides can only be report folders). */
  readonly generations?: TargetGenerations;
  /** The target with its settings from the parsed options; bad input is a UsageError (exit 2), before anything starts. */
  configure(options: Readonly<Record<string, unknown>>): ConfiguredTarget;
}

export interface ConfiguredTarget {
  readonly kind: TargetKind;
  capabilities(): TargetCapabilities;
  /**
   * Checks that need no stack: the stack options the scenario and flags
   * make (exit 2), the tools the target needs (exit 3), whether faults may
   * run where the target points (exit 2).
   */
  preflight(plan: TargetPlan): Promise<void>;
  start(args: TargetStartArgs): Promise<StartedTarget>;
  /** Removes runs left behind (one, or every one the target can find); returns a line saying what was removed. */
  cleanup(runId: string | undefined): Promise<string>;
}
