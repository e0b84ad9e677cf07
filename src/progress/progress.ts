/**
 * Progress of long phases (engine, image, provision, ...). Targets and the
 * runner report through this interface; the CLI decides how it looks.
 * Every phase's duration is kept so benchmarks can split a bring-up by phase.
 */
export interface PhaseTiming {
  name: string;
  ms: number;
}

export interface Progress {
  /** Runs `work` as a named phase: announced, timed, and its end (or failure) reported. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** A line of detail inside the current phase. */
  note(message: string): void;
  readonly timings: readonly PhaseTiming[];
}

export type ProgressLine = (line: string) => void;

/**
 * Plain timestamped lines: for pipes, CI logs and tests. On a TTY the CLI
 * passes a writer that also shows elapsed time live; the format stays the same.
 */
export function createProgress(write: ProgressLine, clock: () => number = () => performance.now()): Progress {
  const timings: PhaseTiming[] = [];
  const origin = clock();
  const stamp = (): string => `[${((clock() - origin) / 1000).toFixed(1).padStart(6)}s]`;
  return {
    timings,
    async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
      const started = clock();
      write(`${stamp()} ${name} ...`);
      try {
        const result = await work();
        const ms = clock() - started;
        timings.push({ name, ms });
        write(`${stamp()} ${name} done (${(ms / 1000).toFixed(1)}s)`);
        return result;
      } catch (error) {
        timings.push({ name, ms: clock() - started });
        write(`${stamp()} ${name} failed`);
        throw error;
      }
    },
    note(message: string): void {
      write(`${stamp()}   ${message}`);
    },
  };
}

/** A Progress that prints nothing but still keeps timings. */
export function silentProgress(): Progress {
  return createProgress(() => undefined);
}
