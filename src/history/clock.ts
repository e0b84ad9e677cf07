import type { Stamp } from './events.ts';

/**
 * The run's clock. Durations come from a monotonic source (performance.now)
 * so an NTP step during a drill cannot bend an RTO; the wall time is read at
 * the same instant because PITR targets and server-side timestamps are wall
 * clock and must be compared with what the harness saw.
 */
export interface RunClock {
  /** Wall-clock time the run started, ISO 8601. */
  readonly startedAt: string;
  /** A stamp for this instant. */
  now(): Stamp;
  /** Milliseconds since the run started (monotonic). */
  elapsedMs(): number;
}

export interface ClockSources {
  /** Monotonic milliseconds (default: performance.now). */
  monotonic?: () => number;
  /** Wall-clock epoch milliseconds (default: Date.now). */
  wall?: () => number;
}

export function createRunClock(sources: ClockSources = {}): RunClock {
  const monotonic = sources.monotonic ?? (() => performance.now());
  const wall = sources.wall ?? (() => Date.now());
  const origin = monotonic();
  const startedAt = new Date(wall()).toISOString();
  const elapsedMs = (): number => roundMs(monotonic() - origin);
  // ISO text has millisecond resolution: format once per millisecond, not once per event.
  let lastWallMs = NaN;
  let lastWallText = '';
  const wallText = (): string => {
    const ms = wall();
    if (ms !== lastWallMs) {
      lastWallMs = ms;
      lastWallText = new Date(ms).toISOString();
    }
    return lastWallText;
  };
  return {
    startedAt,
    elapsedMs,
    now: () => ({ t: elapsedMs(), wall: wallText() }),
  };
}

// Microsecond precision is plenty and keeps history lines short.
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
