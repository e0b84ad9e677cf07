import { listFaults } from '../checks/faults.ts';
import type { FaultRto } from '../checks/rto.ts';
import type { HistoryEvent, PhaseName } from '../history/events.ts';

/**
 * Write outcomes as every part of the report names them (the history's ok /
 * fail / info): the chart's legend, its caption and the tables use these words.
 */
export const OUTCOMES = ['acknowledged', 'failed', 'unknown'] as const;
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
}

/** A fault's RTO on the time axis: from the moment it took effect to the first acknowledged write invoked after it. */
export interface RtoMark {
  fault: string;
  from: number;
  /** The recovery write's acknowledgement; null when the fault never recovered. */
  to: number | null;
  seconds: number | null;
  label: string;
}

export interface LagPoint {
  t: number;
  replica: string;
  lagBytes: number;
  /** Consecutive samples of a replica share a segment; a span without samples starts a new one (drawn as a gap). */
  segment: number;
}

export interface ArchivePoint {
  t: number;
  /** Failed archive attempts since the run started, summed over the primaries that reported. */
  failures: number;
}

export interface ChartData {
  durationSeconds: number;
  /** The time axis, seconds since the run started: from the workload's start to its end (provisioning and teardown left out). */
  domain: { start: number; end: number };
  /** What the axis leaves out at its start, for its title ("0–202 s (provision, warm-up) not drawn"); null when nothing. */
  leftOut: string | null;
  bucketSeconds: number;
  writes: WriteBucket[];
  faults: FaultWindow[];
  roleChanges: RoleChange[];
  rto: RtoMark[];
  lag: LagPoint[];
  archive: ArchivePoint[];
}

export interface ChartOptions {
  /** The run's RTO per fault (report.json's rto), to mark each fault's recovery. */
  rto?: readonly FaultRto[];
}

/** At most this many buckets of writes: enough to see an outage of a second in a run of minutes. */
const MAX_BUCKETS = 120;
const BUCKET_SIZES = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];
/** Lag and archive samples kept per series; more are thinned to the largest value per slot. */
const MAX_POINTS = 600;

/**
 * What the report's timeline chart draws, derived from the history (and the
 * run's RTO per fault): write outcomes per time bucket, fault windows, each
 * fault's RTO, promotions and timeline switches seen by the direct probes,
 * replication lag per replica (broken where nothing was sampled), and
 * archive failures counted from the run's start. The time axis covers the
 * drill itself: from the workload's first write to its last (or the
 * teardown), not the provisioning before it.
 */
export function chartData(history: readonly HistoryEvent[], options: ChartOptions = {}): ChartData {
  const lastT = history.reduce((max, e) => Math.max(max, e.t), 0);
  const durationSeconds = Math.max(1, lastT / 1000);
  const padded = drillDomain(history, lastT);
  const bucketSeconds = BUCKET_SIZES.find((size) => (padded.end - padded.start) / size <= MAX_BUCKETS) ?? BUCKET_SIZES[BUCKET_SIZES.length - 1]!;
  // On bucket boundaries, so the first and last bars lie wholly inside the plot.
  const domain = { start: round(Math.floor(padded.start / bucketSeconds) * bucketSeconds), end: round(Math.ceil(padded.end / bucketSeconds) * bucketSeconds) };

  const counts = new Map<string, number>();
  for (const e of history) {
    const outcome: ChartOutcome | null = e.type === 'ok' ? 'acknowledged' : e.type === 'fail' ? 'failed' : e.type === 'info' ? 'unknown' : null;
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
    end: round(Math.min(f.healT ?? lastT, domain.end * 1000) / 1000),
    healed: f.healT !== null,
    label: `${f.kind}${f.targets.length > 0 ? ` (${f.targets.join(', ')})` : ''}${f.healT === null ? ', never healed' : ''}`,
  }));
  const rto: RtoMark[] = (options.rto ?? []).map((f) => ({
    fault: f.fault,
    from: round(f.effectiveT / 1000),
    to: f.firstOk ? round(f.firstOk.ackT / 1000) : null,
    seconds: f.rtoSeconds,
    label: f.firstOk && f.rtoSeconds !== null ? `${f.fault}: RTO ${f.rtoSeconds} s` : `${f.fault}: no recovery`,
  }));

  // Only what falls on the drawn span: nothing is drawn outside the plot.
  const inside = (t: number) => t >= domain.start && t <= domain.end;
  return {
    durationSeconds: round(durationSeconds), domain, leftOut: leftOut(history, domain.start), bucketSeconds,
    writes: writes.filter((w) => w.start >= domain.start && w.end <= domain.end),
    faults: faults.filter((f) => f.end >= domain.start).map((f) => ({ ...f, start: Math.max(f.start, domain.start) })),
    roleChanges: roleChanges(history).filter((c) => inside(c.t)),
    rto,
    lag: lagPoints(history).filter((p) => inside(p.t)),
    archive: archivePoints(history).filter((p) => inside(p.t)),
  };
}

/**
 * From the workload's first write attempt or the first inject (or the
 * warm-up, when there was neither) to the last write's outcome, the teardown's start or the last event,
 * whichever comes later but never into the teardown; 1 % of the span on
 * each side so the first and last bars do not touch the frame.
 */
function drillDomain(history: readonly HistoryEvent[], lastT: number): { start: number; end: number } {
  const phaseBegin = (name: PhaseName) => history.find((e) => e.type === 'phase' && e.phase === name && e.edge === 'begin')?.t;
  const firstWrite = history.find((e) => e.type === 'invoke')?.t;
  const firstInject = history.find((e) => e.type === 'inject')?.t;
  const startT = Math.min(firstWrite ?? Infinity, firstInject ?? Infinity, firstWrite === undefined && firstInject === undefined ? (phaseBegin('warm-up') ?? 0) : Infinity);
  const teardownT = phaseBegin('teardown');
  let lastWrite = 0;
  for (const e of history) if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') lastWrite = Math.max(lastWrite, e.t);
  const endT = teardownT !== undefined ? Math.max(lastWrite, teardownT) : lastT;
  const start = startT / 1000;
  const end = Math.max(endT / 1000, start + 1);
  const pad = (end - start) * 0.01;
  return { start: round(Math.max(0, start - pad)), end: round(end + pad) };
}

/** The phases that ran before the drawn span, with the span they took: what the axis title owns up to. */
function leftOut(history: readonly HistoryEvent[], start: number): string | null {
  if (start < 1) return null;
  const before = [...new Set(history.flatMap((e) => (e.type === 'phase' && e.edge === 'begin' && e.t / 1000 < start ? [e.phase] : [])))];
  return `0–${Math.round(start)} s${before.length > 0 ? ` (${before.join(', ')})` : ''} not drawn`;
}

/**
 * An instance that becomes primary after the first probes (a promotion), or
 * whose timeline goes up (a timeline switch, e.g. a replica following the
 * new primary). The first sighting of each instance is not a change.
 */
function roleChanges(history: readonly HistoryEvent[]): RoleChange[] {
  const seen = new Map<string, { primary: boolean; timeline: number | undefined }>();
  const changes: RoleChange[] = [];
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
  return changes;
}

/**
 * Lag per replica. Where a replica went unsampled for longer than three of
 * its usual intervals (no primary answered, or it did not stream), its line
 * is broken: a new segment starts, and nothing is drawn across the gap.
 */
function lagPoints(history: readonly HistoryEvent[]): LagPoint[] {
  const byReplica = new Map<string, { t: number; lagBytes: number }[]>();
  for (const e of history) {
    if (e.type !== 'lag' || e.lagBytes === null) continue;
    byReplica.set(e.replica, [...(byReplica.get(e.replica) ?? []), { t: round(e.t / 1000), lagBytes: e.lagBytes }]);
  }
  let segment = 0;
  return [...byReplica].flatMap(([replica, samples]) => {
    const gaps = samples.slice(1).map((p, i) => p.t - samples[i]!.t).sort((a, b) => a - b);
    const usual = gaps[Math.floor(gaps.length / 2)] ?? 1;
    const gapSeconds = Math.max(3 * usual, 1.5);
    segment++;
    const points = samples.map((p, i) => {
      if (i > 0 && p.t - samples[i - 1]!.t > gapSeconds) segment++;
      return { ...p, replica, segment };
    });
    return thin(points, (p) => p.lagBytes);
  });
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
