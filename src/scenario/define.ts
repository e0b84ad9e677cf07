import type { DurationText } from './duration.ts';
import type {
  BackupStepInput,
  FaultTarget,
  RestoreStepInput,
  SqlStepInput,
  HealStepInput,
  InjectStepInput,
  MarkStepInput,
  ScenarioFaultKind,
  ScenarioInput,
  WaitHealthyStepInput,
  WaitStepInput,
} from './types.ts';

/**
 * Declares a scenario. Only gives the file its types: pgdrill validates the
 * default export itself before anything starts, so a scenario written as a
 * plain object (or in plain JavaScript) gets the same checks.
 */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

/** Let the workload run for a while; `byTarget` gives other durations on the kind or kubernetes target. */
export function wait(duration: DurationText, byTarget?: WaitStepInput['byTarget']): WaitStepInput {
  return byTarget ? { wait: duration, byTarget } : { wait: duration };
}

/** Inject a fault; pgdrill heals it on every exit path, or earlier with heal(). */
export function inject(fault: ScenarioFaultKind, options: { id?: string; target?: FaultTarget } = {}): InjectStepInput {
  return { inject: fault, ...options };
}

/** Heal one fault by id, or every fault still active. */
export function heal(id: string | 'all' = 'all'): HealStepInput {
  return { heal: id };
}

/** Record a named instant in the history (e.g. a PITR target). */
export function mark(name: string): MarkStepInput {
  return { mark: name };
}

/** A planned switchover through the HA engine: a fault whose RTO is measured like any other. */
export function switchover(options: { id?: string } = {}): InjectStepInput {
  return inject('switchover', options);
}

/** A rolling restart through the HA engine (replicas one by one, a switchover, the former primary): what an upgrade does to clients. */
export function rollingRestart(options: { id?: string } = {}): InjectStepInput {
  return inject('rolling-restart', options);
}

/** Wait until the stack is healthy again, at most `timeout`. */
export function waitHealthy(timeout: DurationText): WaitHealthyStepInput {
  return { waitHealthy: timeout };
}

/** Take a backup (full or incremental) into the target's repository. */
export function backup(type: 'full' | 'incremental' = 'full'): BackupStepInput {
  return { backup: type };
}

/** Run one SQL statement on the primary through the client endpoint (the fat-fingered DELETE of a PITR drill). */
export function sql(statement: string): SqlStepInput {
  return { sql: statement };
}

/**
 * Restore into fresh instances: to an earlier mark's time, to the end of WAL
 * ('latest'), or to 'lsn:<LSN>'. By default one instance on its own; with
 * `shape: 'cluster'` a full cluster of the scenario's zones, each instance
 * checked against the ledger, and optionally a `drill` run inside it.
 */
export function restore(to: string, options: Omit<RestoreStepInput, 'restore'> = {}): RestoreStepInput {
  return { restore: to, ...options };
}
