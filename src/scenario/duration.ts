import { UsageError } from '../errors.ts';

export type DurationUnit = 'ms' | 's' | 'm' | 'h';

/** A duration as scenarios write it: "250ms", "10s", "1.5m", "2h". */
export type DurationText = `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const DURATION_EXPECTED = 'a duration such as "250ms", "10s" or "2m"';

/**
 * Milliseconds of a duration text. A bare number is refused: "10" could be
 * seconds or milliseconds, and a drill that waits 1000× too long (or short)
 * is a silent, expensive mistake.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new UsageError(`expected ${DURATION_EXPECTED}, got ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  if (!Number.isFinite(ms)) throw new UsageError(`expected ${DURATION_EXPECTED}, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

/** "1m 30s"-style text for reports. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m ${Number((rest / 1000).toFixed(3))}s`;
}
