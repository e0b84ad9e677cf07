/**
 * Paces one writer: fixed slots `intervalMs` apart, starting `offsetMs` after
 * creation, so N writers at rate R interleave evenly instead of firing in
 * bursts. A writer that fell behind (a slow write, an outage) restarts its
 * schedule from now rather than catching up with a burst: a burst right after
 * an outage would distort the latencies around the moment service returns.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Pacer {
  private next: number;

  /** intervalMs 0 = unthrottled. */
  constructor(
    private readonly intervalMs: number,
    offsetMs: number,
  ) {
    this.next = performance.now() + offsetMs;
  }

  /** Milliseconds until this writer's next slot (0: go now), and books that slot. */
  delay(): number {
    if (this.intervalMs === 0) return 0;
    const now = performance.now();
    const delay = this.next - now;
    this.next = (delay < 0 ? now : this.next) + this.intervalMs;
    return delay > 0 ? delay : 0;
  }
}

/** Sleeps, resolving early (never rejecting) when the signal aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}
