import { UsageError } from '../errors.ts';

/**
 * A run id names a run's containers, its state folder and its report folder,
 * so it must be one path segment that cannot climb out of a folder ("..",
 * "", "a/b" never pass): 3-31 lowercase letters, digits or dashes, not
 * starting with a dash. The one rule every command that takes a run id uses.
 */
export const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,30}$/;

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** The run id itself, or a UsageError (exit 2) saying what a run id is. */
export function validateRunId(value: string): string {
  if (!isRunId(value)) {
    throw new UsageError(`run id "${value}" is invalid: expected 3-31 lowercase letters, digits or dashes`, { runId: value });
  }
  return value;
}
