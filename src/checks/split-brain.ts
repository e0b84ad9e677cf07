import type { HistoryEvent, ProbeEvent, Stamp } from '../history/events.ts';
import { evidenceList, seconds, type CheckOptions, type CheckResult, type EvidenceList } from './types.ts';
import { pairWrites } from './writes.ts';

type StampedProbe = Stamp & ProbeEvent;

/** A stretch of consecutive probe samples in which one instance accepted a canary write. */
export interface WriteInterval {
  instance: string;
  startT: number;
  endT: number;
  start: string;
  end: string;
  samples: number;
}

export type SplitBrainSign =
  /** Two instances accepted writes at overlapping times (from direct probes). */
  | 'concurrent-writers'
  /** An instance acknowledged a write on an older timeline after another was seen primary on a newer one. */
  | 'stale-timeline-ack';

export interface WindowWrite {
  key: string;
  process: number;
  instance: string;
  timeline: number;
  ackedAt: string;
}

export interface SplitBrainWindow {
  instances: string[];
  signs: SplitBrainSign[];
  startT: number;
  endT: number;
  start: string;
  end: string;
  durationSeconds: number;
  /** Writes acknowledged inside the window, whoever served them. */
  writes: EvidenceList<WindowWrite>;
}

export interface SplitBrainEvidence {
  windows: SplitBrainWindow[];
  /** Who accepted writes when, per instance: the raw material of the windows. */
  writeIntervals: EvidenceList<WriteInterval>;
  probes: number;
}

export type SplitBrainMetric = 'split_brain_windows' | 'split_brain_seconds';

interface RawWindow {
  instances: Set<string>;
  signs: Set<SplitBrainSign>;
  start: Stamp;
  end: Stamp;
}

/**
 * Split-brain windows from the direct probes and the acknowledged writes.
 * Windows found both ways that overlap in time and share an instance are
 * one incident, counted once.
 */
export function checkSplitBrain(
  history: readonly HistoryEvent[],
  options: CheckOptions = {},
): CheckResult<SplitBrainMetric, SplitBrainEvidence> {
  const probes = history.filter((e): e is StampedProbe => e.type === 'probe');
  const intervals = writeIntervals(probes);
  const raw = [...concurrentWriters(intervals), ...staleTimelineAcks(history, probes)];
  const writes = pairWrites(history);

  const windows = mergeWindows(raw).map((w): SplitBrainWindow => {
    const inside: WindowWrite[] = [];
    for (const { ok, op } of writes.oks) {
      if (ok.t >= w.start.t && ok.t <= w.end.t) {
        inside.push({ key: op.key, process: op.process, instance: ok.instance, timeline: ok.timeline, ackedAt: ok.wall });
      }
    }
    return {
      instances: [...w.instances].sort(),
      signs: [...w.signs].sort(),
      startT: w.start.t,
      endT: w.end.t,
      start: w.start.wall,
      end: w.end.wall,
      durationSeconds: seconds(w.end.t - w.start.t),
      writes: evidenceList(inside, options.evidenceLimit),
    };
  });

  const measured = probes.length > 0;
  return {
    metrics: {
      split_brain_windows: measured ? windows.length : null,
      split_brain_seconds: measured ? seconds(windows.reduce((sum, w) => sum + (w.endT - w.startT), 0)) : null,
    },
    evidence: { windows, writeIntervals: evidenceList(intervals, options.evidenceLimit), probes: probes.length },
    unmeasured: measured ? {} : {
      split_brain_windows: 'no instance was probed',
      split_brain_seconds: 'no instance was probed',
    },
  };
}

/** Per instance, runs of consecutive samples with acceptsWrites === true; any other sample ends a run. */
function writeIntervals(probes: readonly StampedProbe[]): WriteInterval[] {
  const open = new Map<string, WriteInterval>();
  const done: WriteInterval[] = [];
  for (const p of probes) {
    const current = open.get(p.instance);
    if (p.reachable && p.acceptsWrites === true) {
      if (current) {
        current.endT = p.t;
        current.end = p.wall;
        current.samples += 1;
      } else {
        open.set(p.instance, { instance: p.instance, startT: p.t, endT: p.t, start: p.wall, end: p.wall, samples: 1 });
      }
    } else if (current) {
      done.push(current);
      open.delete(p.instance);
    }
  }
  done.push(...open.values());
  return done.sort((a, b) => a.startT - b.startT);
}

function concurrentWriters(intervals: readonly WriteInterval[]): RawWindow[] {
  const windows: RawWindow[] = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (a.instance === b.instance) continue;
      const start = a.startT >= b.startT ? { t: a.startT, wall: a.start } : { t: b.startT, wall: b.start };
      const end = a.endT <= b.endT ? { t: a.endT, wall: a.end } : { t: b.endT, wall: b.end };
      // Inclusive: two canary writes committed at the same instant on two instances is split-brain.
      if (start.t <= end.t) {
        windows.push({ instances: new Set([a.instance, b.instance]), signs: new Set(['concurrent-writers']), start, end });
      }
    }
  }
  return windows;
}

/**
 * An ack by X on timeline T for a write invoked after a probe had already
 * seen another instance Y as primary on a timeline newer than T: X was still
 * taking writes after Y's promotion. The window runs from that sighting of Y
 * to the last such ack.
 */
function staleTimelineAcks(history: readonly HistoryEvent[], probes: readonly StampedProbe[]): RawWindow[] {
  // First sighting of each (instance, timeline) as primary: all we need to compare against.
  const sightings: { instance: string; timeline: number; at: Stamp }[] = [];
  const seen = new Set<string>();
  for (const p of probes) {
    if (!p.reachable || p.role !== 'primary' || p.timeline === undefined) continue;
    const id = `${p.instance}\u0000${p.timeline}`;
    if (seen.has(id)) continue;
    seen.add(id);
    sightings.push({ instance: p.instance, timeline: p.timeline, at: { t: p.t, wall: p.wall } });
  }
  if (sightings.length === 0) return [];

  const groups = new Map<string, RawWindow>();
  for (const { ok, op } of pairWrites(history).oks) {
    const invokeT = op.invoke.t;
    const newer = sightings.find((s) => s.instance !== ok.instance && s.timeline > ok.timeline && s.at.t < invokeT);
    if (!newer) continue;
    const id = `${ok.instance}\u0000${ok.timeline}\u0000${newer.instance}`;
    const group = groups.get(id);
    if (group) {
      if (ok.t > group.end.t) group.end = { t: ok.t, wall: ok.wall };
    } else {
      groups.set(id, {
        instances: new Set([ok.instance, newer.instance]),
        signs: new Set(['stale-timeline-ack']),
        start: newer.at,
        end: { t: ok.t, wall: ok.wall },
      });
    }
  }
  return [...groups.values()];
}

/** Unions windows that overlap in time and share an instance, until none do. */
function mergeWindows(windows: readonly RawWindow[]): RawWindow[] {
  const merged: RawWindow[] = [];
  for (const w of [...windows].sort((a, b) => a.start.t - b.start.t)) {
    let current: RawWindow = { instances: new Set(w.instances), signs: new Set(w.signs), start: w.start, end: w.end };
    for (let i = merged.length - 1; i >= 0; i--) {
      const m = merged[i]!;
      const overlaps = m.start.t <= current.end.t && current.start.t <= m.end.t;
      const shares = [...m.instances].some((x) => current.instances.has(x));
      if (!overlaps || !shares) continue;
      current = {
        instances: new Set([...m.instances, ...current.instances]),
        signs: new Set([...m.signs, ...current.signs]),
        start: m.start.t <= current.start.t ? m.start : current.start,
        end: m.end.t >= current.end.t ? m.end : current.end,
      };
      merged.splice(i, 1);
      i = merged.length; // the grown window may now touch earlier ones
    }
    merged.push(current);
  }
  return merged.sort((a, b) => a.start.t - b.start.t);
}
