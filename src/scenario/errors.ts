import { UsageError } from '../errors.ts';

/**
 * A scenario that cannot run as written: found before anything starts
 * (exit 2). The message is one line a user can act on:
 * `<file>: <field path>: <what was expected>`.
 */
export class ScenarioError extends UsageError {
  readonly file: string;
  /** Field path inside the scenario, e.g. `steps[2].wait`; empty for the file as a whole. */
  readonly path: string;
  readonly problem: string;

  constructor(details: { file: string; path?: string; problem: string }, cause?: unknown) {
    const path = details.path ?? '';
    super([details.file, path, details.problem].filter((part) => part !== '').join(': '), { file: details.file, path }, cause);
    this.file = details.file;
    this.path = path;
    this.problem = details.problem;
  }
}
