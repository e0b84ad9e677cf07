/**
 * Runs `tick` every `intervalMs` (slots aligned to the start, so a slow tick
 * does not shift every later one) until the signal aborts. A tick that
 * overruns its slot is followed immediately by the next one, never by a
 * burst of catch-up ticks. A throwing tick ends the loop with that error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryBody } from '../history/events.ts';

export async function runEvery(intervalMs: number, signal: AbortSignal, tick: () => Promise<void>): Promise<void> {
  let next = performance.now();
  while (!signal.aborted) {
    await tick();
    next += intervalMs;
    const now = performance.now();
    if (next < now) next = now;
    if (signal.aborted) return;
    try {
      await sleep(next - now, undefined, { signal });
    } catch {
      return;
    }
  }
}

/** The start/stop contract every observer follows; stop() is prompt. */
export interface Observer {
  start(): void;
  /** Stops sampling, closes connections; resolves quickly even while an instance hangs. */
  stop(): Promise<void>;
}

/** Waits for the loops, at most `boundMs`: a hung instance must not hold stop() up. */
export async function settleWithin(loops: Promise<unknown>[], boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(loops),
    new Promise((resolve) => (timer = setTimeout(resolve, boundMs))),
  ]);
  clearTimeout(timer);
}

/** What one instance contributes to a sampler: a sample (the events it makes) and the connections to close. */
export interface SamplingUnit {
  sample(): Promise<readonly HistoryBody[]>;
  close(): void;
}

/**
 * The shape every observer has: one loop per instance on its own
 * connections (a hung instance slows only its own samples), events recorded
 * until stop() and never after, stop() prompt, and the first failure of any
 * loop rethrown by stop().
 */
export class InstanceSampling implements Observer {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private failure: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly record: (body: HistoryBody) => void,
    private readonly units: readonly SamplingUnit[],
  ) {}

  start(): void {
    const { signal } = this.controller;
    for (const unit of this.units) {
      const tick = async (): Promise<void> => {
        const events = await unit.sample();
        // A sample that answers after stop() is not part of the run.
        if (!signal.aborted) for (const event of events) this.record(event);
      };
      this.loops.push(
        runEvery(this.intervalMs, signal, tick).catch((error: unknown) => {
          this.failure ??= error;
        }),
      );
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const unit of this.units) unit.close();
    await settleWithin(this.loops, 200);
    if (this.failure !== undefined) throw this.failure;
  }
}
