import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads ms, s, m and h', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it.each(['-5s', '10', '', 'ten seconds', '5 sec', '1m30', 's', '1e3s'])('rejects %j, saying what it expected', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration such as "250ms", "10s" or "2m"/);
  });

  it('formats durations for reports', () => {
    expect([250, 10_000, 90_000, 120_000].map(formatDuration)).toEqual(['250ms', '10s', '1m 30s', '2m']);
  });
});
