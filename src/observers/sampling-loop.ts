/**
 * Runs `tick` every `intervalMs` (slots aligned to the start, so a slow tick
 * does not shift every later one) until the signal aborts. A tick that
 * overruns its slot is followed immediately by the next one, never by a
 * burst of catch-up ticks. A throwing tick ends the loop with that error.
 */
import { setTimeout as sleep } from 'node:timers/promises';

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
