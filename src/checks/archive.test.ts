import { describe, expect, it } from 'vitest';
import { checkArchive, findGaps, previousSegment } from './archive.ts';
import { CannedHistory } from '../../test/support/canned-history.ts';

/** An archiver sample of pg-a every second. */
function sample(h: CannedHistory, t: number, s: { failed: number; age: number; last: string; current: string; pending?: number }): CannedHistory {
  return h.add(t, {
    type: 'archive', instance: 'pg-a', archivedCount: 10, failedCount: s.failed, lastArchivedWal: s.last,
    lastArchivedAgeSeconds: s.age, walRetainedBytes: 300e6, walPendingArchiveBytes: s.pending ?? 0, currentWal: s.current,
  });
}

const W = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;

/** Archiving fine until 10 s, stalled 10-40 s (failures, age, backlog grow), healed at 40 s, caught up at 42 s. */
function stall(caughtUp = true): CannedHistory {
  const h = new CannedHistory();
  for (let t = 0; t < 10_000; t += 1_000) sample(h, t, { failed: 0, age: 2, last: W(5), current: W(6) });
  h.inject(10_000, 'stall', 'stalled-archive', ['repository']);
  for (let t = 10_000; t < 40_000; t += 1_000) sample(h, t, { failed: (t - 10_000) / 1_000, age: 2 + (t - 10_000) / 1_000, last: W(5), current: W(6 + Math.floor((t - 10_000) / 10_000)), pending: 16e6 * Math.floor((t - 10_000) / 10_000) });
  h.heal(40_000, 'stall', 'healed', 'stalled-archive');
  sample(h, 41_000, { failed: 30, age: 33, last: W(5), current: W(9) });
  sample(h, 42_000, { failed: 30, age: 0.5, last: caughtUp ? W(7) : W(6), current: W(9) });
  sample(h, 43_000, { failed: 30, age: 0.2, last: caughtUp ? W(8) : W(6), current: W(9) });
  return h;
}

describe('checkArchive', () => {
  it('shows a stall while it lasts and measures the catch-up after the heal', () => {
    const files = [5, 6, 7, 8].map((n) => `${W(n)}-abc.gz`);
    const { metrics, evidence } = checkArchive(stall().events(), { files });
    expect(metrics.archive_failed_count).toBe(30);
    expect(metrics.archive_max_age_seconds).toBe(33);
    expect(metrics.wal_retained_max_bytes).toBe(32e6);
    // The last sample before the heal had pg-a writing segment 08: caught up once 07 is archived, 2 s after the heal.
    expect(metrics.archive_catchup_seconds).toBe(2);
    expect(evidence.catchups[0]).toMatchObject({ neededWal: W(7), seconds: 2 });
    expect(metrics.archive_gaps).toBe(0);
  });

  it('reports a catch-up that never happened as null (unbounded), not as a number', () => {
    const { metrics, unmeasured } = checkArchive(stall(false).events(), { files: [] });
    expect(metrics.archive_catchup_seconds).toBeNull();
    expect(unmeasured.archive_catchup_seconds).toBeUndefined();
  });

  it('calls catch-up unmeasured when no stall was injected, and everything unmeasured without samples', () => {
    const { metrics, unmeasured } = checkArchive(new CannedHistory().events(), null);
    expect(metrics).toMatchObject({ archive_failed_count: null, archive_catchup_seconds: null, archive_gaps: null });
    expect(unmeasured.archive_catchup_seconds).toBe('no stalled-archive fault');
    expect(unmeasured.archive_gaps).toBe('the repository was not read');
  });

  it('does not count a counter reset (restart) as negative failures', () => {
    const h = new CannedHistory();
    sample(h, 0, { failed: 4, age: 1, last: W(5), current: W(6) });
    sample(h, 1_000, { failed: 0, age: 1, last: W(5), current: W(6) });
    sample(h, 2_000, { failed: 2, age: 1, last: W(5), current: W(6) });
    expect(checkArchive(h.events(), null).metrics.archive_failed_count).toBe(2);
  });
});

describe('findGaps (the WAL chain in the repository)', () => {
  it('finds a missing segment inside a timeline and names it', () => {
    const { gaps } = findGaps([`${W(4)}-a.gz`, `${W(5)}-b.gz`, `${W(8)}-c.gz`]);
    expect(gaps).toEqual([{ timeline: '00000001', from: W(6), to: W(7), missing: 2 }]);
  });

  it('crosses a log boundary (…00FF → …0100 00) without a false gap, and counts .partial segments', () => {
    const files = ['0000000100000000000000FE-a.gz', '0000000100000000000000FF-b.gz', '000000010000000100000000.partial-c.gz', '000000020000000100000000-d.gz', '00000002.history'];
    expect(findGaps(files).gaps).toEqual([]);
    expect(findGaps(files).segmentsByTimeline).toEqual({ '00000001': 3, '00000002': 1 });
  });

  it('steps back across a log boundary', () => {
    expect(previousSegment('000000010000000100000000')).toBe('0000000100000000000000FF');
    expect(previousSegment('000000010000000000000009')).toBe('000000010000000000000008');
  });
});
