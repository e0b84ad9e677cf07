import { listFaults } from '../checks/faults.ts';
import type { HistoryEvent } from '../history/events.ts';

/** Write outcomes as the chart names them (the history's ok / fail / info). */
export const OUTCOMES = ['ok', 'failed', 'unknown'] as const;
export type ChartOutcome = (typeof OUTCOMES)[number];

export interface WriteBucket {
  /** Bucket start and end, seconds since the run started. */
  start: number;
  end: number;
  outcome: ChartOutcome;
  /** Outcomes in the bucket, per second (so buckets of any size read the same). */
  perSecond: number;
  count: number;
  /** Stacked extent in writes/s: ok at the bottom, then failed, then unknown. */
  y0: number;
  y1: number;
}

export interface FaultWindow {
  fault: string;
  kind: string;
  start: number;
  /** The heal, or the end of the run when the fault was never healed. */
  end: number;
  healed: boolean;
  label: string;
}

export interface RoleChange {
  t: number;
  instance: string;
  /** A promotion (a new primary), or an instance moving to a newer timeline (following one). */
  kind: 'promotion' | 'timeline';
  label: string;
  /** Label row, so labels of changes close in time do not print over each other. */
  row: number;
}

export interface LagPoint {
  t: number;
  replica: string;
  lagBytes: number;
}

export interface ArchivePoint {
  t: number;
  /** Failed archive attempts since the run started, summed over the primaries that reported. */
  failures: number;
}

export interface ChartData {
  durationSeconds: number;
  bucketSeconds: number;
  writes: WriteBucket[];
  faults: FaultWindow[];
  roleChanges: RoleChange[];
  lag: LagPoint[];
  archive: ArchivePoint[];
}

/** The plot's width in pixels (chart.ts): to keep labels from overlapping. */
export const CHART_WIDTH_PX = 880;
/** At most this many buckets of writes: enough to see an outage of a second in a run of minutes. */
const MAX_BUCKETS = 240;
const BUCKET_SIZES = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];
/** Lag and archive samples kept per series; more are thinned to the largest value per slot. */
const MAX_POINTS = 600;

/**
 * What the report's timeline chart draws, derived from the history alone:
 * write outcomes per time bucket, fault windows, promotions and timeline
 * switches seen by the direct probes, replication lag per replica, and
 * archive failures counted from the run's start.
 */
export function chartData(history: readonly HistoryEvent[]): ChartData {
  const lastT = history.reduce((max, e) => Math.max(max, e.t), 0);
  const durationSeconds = Math.max(1, lastT / 1000);
  const bucketSeconds = BUCKET_SIZES.find((size) => durationSeconds / size <= MAX_BUCKETS) ?? BUCKET_SIZES[BUCKET_SIZES.length - 1]!;

  const counts = new Map<string, number>();
  for (const e of history) {
    const outcome: ChartOutcome | null = e.type === 'ok' ? 'ok' : e.type === 'fail' ? 'failed' : e.type === 'info' ? 'unknown' : null;
    if (outcome === null) continue;
    const key = `${Math.floor(e.t / 1000 / bucketSeconds)}|${outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const writes: WriteBucket[] = [...counts].map(([key, count]) => {
    const [index, outcome] = key.split('|') as [string, ChartOutcome];
    const start = round(Number(index) * bucketSeconds);
    return { start, end: round(start + bucketSeconds), outcome, count, perSecond: round(count / bucketSeconds), y0: 0, y1: 0 };
  });
  writes.sort((a, b) => a.start - b.start || OUTCOMES.indexOf(a.outcome) - OUTCOMES.indexOf(b.outcome));
  let stackStart = -1;
  let stackTop = 0;
  for (const w of writes) {
    if (w.start !== stackStart) [stackStart, stackTop] = [w.start, 0];
    w.y0 = round(stackTop);
    stackTop += w.perSecond;
    w.y1 = round(stackTop);
  }

  const faults: FaultWindow[] = listFaults(history).map((f) => ({
    fault: f.fault,
    kind: f.kind,
    start: round(f.injectT / 1000),
    end: round((f.healT ?? lastT) / 1000),
    healed: f.healT !== null,
    label: `${f.kind}${f.targets.length > 0 ? ` (${f.targets.join(', ')})` : ''}${f.healT === null ? ', never healed' : ''}`,
  }));

  return { durationSeconds: round(durationSeconds), bucketSeconds, writes, faults, roleChanges: roleChanges(history, durationSeconds), lag: lagPoints(history), archive: archivePoints(history) };
}

/**
 * An instance that becomes primary after the first probes (a promotion), or
 * whose timeline goes up (a timeline switch, e.g. a replica following the
 * new primary). The first sighting of each instance is not a change.
 */
function roleChanges(history: readonly HistoryEvent[], span: number): RoleChange[] {
  const seen = new Map<string, { primary: boolean; timeline: number | undefined }>();
  const changes: Omit<RoleChange, 'row'>[] = [];
  for (const e of history) {
    if (e.type !== 'probe' || !e.reachable || e.role === undefined) continue;
    const now = { primary: e.role === 'primary', timeline: e.timeline };
    const before = seen.get(e.instance);
    seen.set(e.instance, { primary: now.primary, timeline: now.timeline ?? before?.timeline });
    if (!before) continue;
    const t = round(e.t / 1000);
    if (now.primary && !before.primary) {
      changes.push({ t, instance: e.instance, kind: 'promotion', label: `${e.instance} promoted${now.timeline === undefined ? '' : ` (TL ${now.timeline})`}` });
    } else if (now.timeline !== undefined && before.timeline !== undefined && now.timeline > before.timeline) {
      changes.push({ t, instance: e.instance, kind: 'timeline', label: `${e.instance} → TL ${now.timeline}` });
    }
  }
  // A label takes the first row whose previous label is far enough to the left.
  const rowEnds: number[] = [];
  return changes.map((c) => {
    const width = ((c.label.length * 6.5 + 8) / CHART_WIDTH_PX) * span;
    let row = rowEnds.findIndex((end) => end <= c.t);
    if (row === -1) row = rowEnds.length;
    rowEnds[row] = c.t + width;
    return { ...c, row: row % 4 };
  });
}

function lagPoints(history: readonly HistoryEvent[]): LagPoint[] {
  const points: LagPoint[] = [];
  for (const e of history) if (e.type === 'lag' && e.lagBytes !== null) points.push({ t: round(e.t / 1000), replica: e.replica, lagBytes: e.lagBytes });
  const byReplica = new Map<string, LagPoint[]>();
  for (const p of points) byReplica.set(p.replica, [...(byReplica.get(p.replica) ?? []), p]);
  return [...byReplica.values()].flatMap((series) => thin(series, (p) => p.lagBytes));
}

/** pg_stat_archiver counts failures since its last reset: count only what each primary adds during the run. */
function archivePoints(history: readonly HistoryEvent[]): ArchivePoint[] {
  const baseline = new Map<string, number>();
  const latest = new Map<string, number>();
  const points: ArchivePoint[] = [];
  for (const e of history) {
    if (e.type !== 'archive') continue;
    if (!baseline.has(e.instance)) baseline.set(e.instance, e.failedCount);
    latest.set(e.instance, Math.max(0, e.failedCount - baseline.get(e.instance)!));
    points.push({ t: round(e.t / 1000), failures: [...latest.values()].reduce((a, b) => a + b, 0) });
  }
  return thin(points, (p) => p.failures);
}

/** Keeps at most MAX_POINTS of a series: per slot, the sample with the largest value (peaks must survive). */
function thin<T extends { t: number }>(series: T[], value: (p: T) => number): T[] {
  if (series.length <= MAX_POINTS) return series;
  const first = series[0]!.t;
  const span = series[series.length - 1]!.t - first || 1;
  const slots = new Map<number, T>();
  for (const p of series) {
    const slot = Math.min(MAX_POINTS - 1, Math.floor(((p.t - first) / span) * MAX_POINTS));
    const kept = slots.get(slot);
    if (!kept || value(p) > value(kept)) slots.set(slot, p);
  }
  return [...slots.values()];
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
