import { describe, expect, it } from 'vitest';
import { CannedHistory, wallAt } from '../../test/support/canned-history.ts';
import { checkSplitBrain } from './split-brain.ts';

const primaryOn = (timeline: number) => ({ role: 'primary' as const, timeline, acceptsWrites: true });
const replicaOn = (timeline: number) => ({ role: 'replica' as const, timeline, acceptsWrites: false });

describe('checkSplitBrain', () => {
  it('finds no window in a clean failover', () => {
    const history = new CannedHistory()
      .probes('pg-a', 0, 9_750, 250, primaryOn(1))
      .probes('pg-a', 10_000, 20_000, 250, { reachable: false, error: 'connection refused' })
      .probes('pg-b', 0, 14_750, 250, replicaOn(1))
      .probes('pg-b', 15_000, 20_000, 250, primaryOn(2))
      .steadyWrites('w', 0, 9_900, 100, { instance: 'pg-a', timeline: 1 })
      .steadyWrites('v', 15_100, 20_000, 100, { instance: 'pg-b', timeline: 2 })
      .events();
    const { metrics, evidence } = checkSplitBrain(history);
    expect(metrics).toEqual({ split_brain_windows: 0, split_brain_seconds: 0 });
    expect(evidence.writeIntervals.items.map((i) => [i.instance, i.startT, i.endT])).toEqual([
      ['pg-a', 0, 9_750],
      ['pg-b', 15_000, 20_000],
    ]);
  });

  it('reports two instances accepting writes at once, with the writes acknowledged inside', () => {
    const history = new CannedHistory()
      .probes('pg-a', 0, 5_000, 250, primaryOn(1))
      .probe(5_250, 'pg-a', { reachable: false })
      .probes('pg-b', 0, 3_750, 250, replicaOn(1))
      .probes('pg-b', 4_000, 8_000, 250, primaryOn(2))
      .write('old-side', 3_900, { ok: 4_100, instance: 'pg-a', timeline: 1 }) // invoked before pg-b showed up: not a stale ack
      .write('new-side', 4_600, { ok: 4_610, instance: 'pg-b', timeline: 2 })
      .write('after', 6_000, { ok: 6_010, instance: 'pg-b', timeline: 2 })
      .events();
    const { metrics, evidence } = checkSplitBrain(history);
    expect(metrics).toEqual({ split_brain_windows: 1, split_brain_seconds: 1 });
    const [w] = evidence.windows;
    expect(w).toMatchObject({
      instances: ['pg-a', 'pg-b'], signs: ['concurrent-writers'],
      start: wallAt(4_000), end: wallAt(5_000), durationSeconds: 1,
    });
    expect(w?.writes.items.map((x) => [x.key, x.instance])).toEqual([
      ['old-side', 'pg-a'],
      ['new-side', 'pg-b'],
    ]);
  });

  it('reports an ack on an old timeline after another instance was seen primary on a newer one', () => {
    const history = new CannedHistory()
      .probe(10_000, 'pg-b', { role: 'primary', timeline: 2, acceptsWrites: null }) // canary timed out: only the role is known
      .write('stale', 10_500, { ok: 10_600, instance: 'pg-a', timeline: 1 })
      .write('fine', 10_700, { ok: 10_710, instance: 'pg-b', timeline: 2 })
      .events();
    const { metrics, evidence } = checkSplitBrain(history);
    expect(metrics).toEqual({ split_brain_windows: 1, split_brain_seconds: 0.6 });
    expect(evidence.windows[0]).toMatchObject({
      instances: ['pg-a', 'pg-b'], signs: ['stale-timeline-ack'], start: wallAt(10_000), end: wallAt(10_600),
    });
    expect(evidence.windows[0]?.writes.items.map((x) => x.key)).toEqual(['stale']);
  });

  it('does not blame a write invoked before the new primary was seen', () => {
    const history = new CannedHistory()
      .write('in-flight', 9_000, { ok: 10_600, instance: 'pg-a', timeline: 1 })
      .probe(10_000, 'pg-b', { role: 'primary', timeline: 2 })
      .events();
    expect(checkSplitBrain(history).metrics.split_brain_windows).toBe(0);
  });

  it('counts one incident once when both signs see it', () => {
    const history = new CannedHistory()
      .probes('pg-a', 0, 3_000, 250, primaryOn(1))
      .probes('pg-b', 2_000, 4_000, 250, primaryOn(2))
      .write('stale', 2_600, { ok: 2_700, instance: 'pg-a', timeline: 1 })
      .events();
    const { metrics, evidence } = checkSplitBrain(history);
    expect(metrics.split_brain_windows).toBe(1);
    expect(evidence.windows[0]).toMatchObject({ signs: ['concurrent-writers', 'stale-timeline-ack'], startT: 2_000, endT: 3_000 });
  });

  it('is unmeasured, not zero, when no instance was probed', () => {
    const history = new CannedHistory().steadyWrites('w', 0, 1_000, 100, { instance: 'pg-a', timeline: 1 }).events();
    const { metrics, unmeasured } = checkSplitBrain(history);
    expect(metrics.split_brain_windows).toBeNull();
    expect(unmeasured.split_brain_windows).toBe('no instance was probed');
  });
});
