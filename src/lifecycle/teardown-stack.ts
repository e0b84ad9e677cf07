/**
 * Teardown and heal actions, registered before the thing they undo is
 * created or injected, run newest-first on every exit path (Playwright's
 * task-runner habit). Each runs at most once; one failing does not stop the rest.
 */
export interface TeardownFailure {
  name: string;
  error: unknown;
}

export class TeardownStack {
  private readonly entries: Array<{ name: string; run: () => Promise<void> }> = [];
  private running: Promise<TeardownFailure[]> | undefined;

  /** Registers an undo action; returns a function that runs it now (and removes it). */
  defer(name: string, run: () => Promise<void>): () => Promise<void> {
    const entry = { name, run };
    this.entries.push(entry);
    return async () => {
      const index = this.entries.indexOf(entry);
      if (index === -1) return;
      this.entries.splice(index, 1);
      await run();
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** Runs every registered action newest-first. Concurrent callers share one pass. */
  runAll(onStep?: (name: string) => void): Promise<TeardownFailure[]> {
    this.running ??= (async () => {
      const failures: TeardownFailure[] = [];
      while (this.entries.length > 0) {
        const entry = this.entries.pop()!;
        onStep?.(entry.name);
        try {
          await entry.run();
        } catch (error) {
          failures.push({ name: entry.name, error });
        }
      }
      this.running = undefined;
      return failures;
    })();
    return this.running;
  }
}
