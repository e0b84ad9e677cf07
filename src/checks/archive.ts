import type { ArchiveEvent, HistoryEvent } from '../history/events.ts';
import { listFaults } from './faults.ts';
import { seconds, type CheckResult } from './types.ts';

export type ArchiveMetric = 'archive_failed_count' | 'archive_max_age_seconds' | 'archive_catchup_seconds' | 'wal_retained_max_bytes' | 'archive_gaps';

/** The backup repository's archived WAL file names, read after the drill (or why they could not be). */
export type ArchiveListing = { files: readonly string[] } | { error: string };

export interface ArchiveCatchup {
  fault: string;
  healT: number;
  /** The segment that had to be archived: the one before the segment being written at heal time. */
  neededWal: string | null;
  caughtUpT: number | null;
  seconds: number | null;
}

export interface ArchiveGap {
  timeline: string;
  /** First and last missing segment of one gap. */
  from: string;
  to: string;
  missing: number;
}

export interface ArchiveEvidence {
  samples: number;
  catchups: ArchiveCatchup[];
  gaps: ArchiveGap[];
  /** Archived segments per timeline in the repository. */
  segmentsByTimeline: Record<string, number>;
}

type StampedArchive = ArchiveEvent & { t: number };

/**
 * Archive health from the archiver samples: failures during the run, the
 * worst age of the last archived segment, the WAL waiting to be archived,
 * the time each stalled-archive fault took to catch up after its heal; and
 * from the repository listing, gaps in the WAL chain inside each timeline.
 */
export function checkArchive(history: readonly HistoryEvent[], listing: ArchiveListing | null): CheckResult<ArchiveMetric, ArchiveEvidence> {
  const samples = history.filter((e): e is HistoryEvent & ArchiveEvent => e.type === 'archive');
  const unmeasured: Partial<Record<ArchiveMetric, string>> = {};
  const noSamples = 'the archiver was never sampled';

  const failed = samples.length === 0 ? null : failureIncrements(samples);
  const ages = samples.flatMap((s) => (s.lastArchivedAgeSeconds === null ? [] : [s.lastArchivedAgeSeconds]));
  const pending = samples.flatMap((s) => (s.walPendingArchiveBytes == null ? [] : [s.walPendingArchiveBytes]));
  if (samples.length === 0) unmeasured.archive_failed_count = noSamples;
  if (ages.length === 0) unmeasured.archive_max_age_seconds = samples.length === 0 ? noSamples : 'no segment was ever archived';
  if (pending.length === 0) unmeasured.wal_retained_max_bytes = samples.length === 0 ? noSamples : 'the WAL waiting to be archived could not be read';

  const stalls = listFaults(history).filter((f) => f.kind === 'stalled-archive');
  const catchups = stalls.flatMap((f) => (f.healT === null ? [] : [catchup(f.fault, f.healT, samples)]));
  let catchupSeconds: number | null = null;
  if (stalls.length === 0) unmeasured.archive_catchup_seconds = 'no stalled-archive fault';
  else if (catchups.length < stalls.length) catchupSeconds = null; // a stall never healed: unbounded
  else if (catchups.some((c) => c.seconds === null)) catchupSeconds = null;
  else catchupSeconds = Math.max(...catchups.map((c) => c.seconds!));

  const chain = listing === null ? { error: 'the repository was not read' } : listing;
  const { gaps, segmentsByTimeline } = 'error' in chain ? { gaps: [], segmentsByTimeline: {} } : findGaps(chain.files);
  if ('error' in chain) unmeasured.archive_gaps = chain.error;

  return {
    metrics: {
      archive_failed_count: failed,
      archive_max_age_seconds: ages.length === 0 ? null : Math.max(...ages),
      archive_catchup_seconds: catchupSeconds,
      wal_retained_max_bytes: pending.length === 0 ? null : Math.max(...pending),
      archive_gaps: 'error' in chain ? null : gaps.reduce((n, g) => n + g.missing, 0),
    },
    evidence: { samples: samples.length, catchups, gaps, segmentsByTimeline },
    unmeasured,
  };
}

/** Sum of increases of each instance's failed_count (a restart resets the counter: a drop is not negative failures). */
function failureIncrements(samples: readonly StampedArchive[]): number {
  const last = new Map<string, number>();
  let total = 0;
  for (const s of samples) {
    const before = last.get(s.instance);
    if (before !== undefined && s.failedCount > before) total += s.failedCount - before;
    last.set(s.instance, s.failedCount);
  }
  return total;
}

function catchup(fault: string, healT: number, samples: readonly StampedArchive[]): ArchiveCatchup {
  const atHeal = [...samples].reverse().find((s) => s.t <= healT && s.currentWal);
  const needed = atHeal?.currentWal ? previousSegment(atHeal.currentWal) : null;
  if (!atHeal || !needed) return { fault, healT, neededWal: null, caughtUpT: null, seconds: null };
  const done = samples.find(
    (s) => s.t >= healT && s.instance === atHeal.instance && s.lastArchivedWal !== null && segmentAtLeast(s.lastArchivedWal, needed),
  );
  return { fault, healT, neededWal: needed, caughtUpT: done?.t ?? null, seconds: done ? seconds(done.t - healT) : null };
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})/;

/** 16 MiB segments (PostgreSQL's default, and the local target's): 256 per 4 GiB "log" number. */
const SEGMENTS_PER_LOG = 256n;

/** Segment number of a WAL file name counted from the start (timeline ignored), or null for history files and the like. */
function position(name: string): bigint | null {
  const m = SEGMENT.exec(name);
  return m ? BigInt(`0x${m[2]}`) * SEGMENTS_PER_LOG + BigInt(`0x${m[3]}`) : null;
}

function segmentAtLeast(archived: string, needed: string): boolean {
  const a = position(archived);
  const n = position(needed);
  return a !== null && n !== null && a >= n;
}

/** The segment before `name` on the same timeline (16 MiB segments: 256 per log file). */
export function previousSegment(name: string): string | null {
  const m = SEGMENT.exec(name);
  if (!m) return null;
  let log = parseInt(m[2]!, 16);
  let seg = parseInt(m[3]!, 16);
  if (seg === 0) {
    if (log === 0) return null;
    log -= 1;
    seg = 0xff;
  } else {
    seg -= 1;
  }
  return `${m[1]}${hex8(log)}${hex8(seg)}`;
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * Within each timeline, archived segments must follow each other without a
 * hole from the first to the last (a .partial segment counts: it closes the
 * timeline at a promotion). A missing one makes every recovery across it fail.
 */
export function findGaps(files: readonly string[]): { gaps: ArchiveGap[]; segmentsByTimeline: Record<string, number> } {
  const byTimeline = new Map<string, Set<bigint>>();
  for (const file of files) {
    const m = SEGMENT.exec(file);
    if (!m) continue;
    if (/\.backup/.test(file)) continue;
    const set = byTimeline.get(m[1]!) ?? new Set<bigint>();
    set.add(position(file)!);
    byTimeline.set(m[1]!, set);
  }
  const gaps: ArchiveGap[] = [];
  const segmentsByTimeline: Record<string, number> = {};
  for (const [timeline, set] of [...byTimeline].sort()) {
    const sorted = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    segmentsByTimeline[timeline] = sorted.length;
    for (let i = 1; i < sorted.length; i++) {
      const step = sorted[i]! - sorted[i - 1]!;
      if (step > 1n) {
        gaps.push({
          timeline,
          from: nameOf(timeline, sorted[i - 1]! + 1n),
          to: nameOf(timeline, sorted[i]! - 1n),
          missing: Number(step - 1n),
        });
      }
    }
  }
  return { gaps, segmentsByTimeline };
}

function nameOf(timeline: string, pos: bigint): string {
  return `${timeline}${hex8(Number(pos / SEGMENTS_PER_LOG))}${hex8(Number(pos % SEGMENTS_PER_LOG))}`;
}
