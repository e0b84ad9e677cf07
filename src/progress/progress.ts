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

export interface LiveTerminal {
  write(text: string): void;
}

/**
 * Progress for a terminal: the same permanent lines as createProgress, plus
 * a live last line redrawn every `refreshMs` with the elapsed time of each
 * phase still running ("provision 12.4s › image 3.1s"), so a long phase
 * visibly moves. The live line is erased before each permanent line and
 * once nothing runs.
 */
export function createLiveProgress(
  terminal: LiveTerminal,
  clock: () => number = () => performance.now(),
  refreshMs = 250,
): Progress & { stop(): void } {
  const running: { name: string; started: number }[] = [];
  let shown = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const clear = (): void => {
    if (shown) terminal.write('\r\u001b[2K');
    shown = false;
  };
  const draw = (): void => {
    if (running.length === 0) return clear();
    const now = clock();
    const line = running.map((p) => `${p.name} ${((now - p.started) / 1000).toFixed(1)}s`).join(' › ');
    terminal.write(`\r\u001b[2K${stamp()} ${line}`);
    shown = true;
  };
  const origin = clock();
  const stamp = (): string => `[${((clock() - origin) / 1000).toFixed(1).padStart(6)}s]`;
  const plain = createProgress((line) => {
    clear();
    terminal.write(`${line}\n`);
    draw();
  }, clock);
  const sync = (): void => {
    if (running.length > 0 && timer === undefined) {
      timer = setInterval(draw, refreshMs);
      timer.unref?.();
    } else if (running.length === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
      clear();
    }
  };
  return {
    get timings() {
      return plain.timings;
    },
    async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
      const entry = { name, started: clock() };
      running.push(entry);
      sync();
      try {
        return await plain.phase(name, work);
      } finally {
        running.splice(running.indexOf(entry), 1);
        sync();
        draw();
      }
    },
    note(message: string): void {
      plain.note(message);
    },
    stop(): void {
      running.length = 0;
      sync();
    },
  };
}
