import { describe, expect, it } from 'vitest';
import { CannedHistory, wallAt } from '../../test/support/canned-history.ts';
import { checkRestore, classifyForRestore, keyList, type RestoredInstanceRows, type RestoreRead } from './restore.ts';

const T = Date.parse(wallAt(10_000));

async function classify(h: CannedHistory, mode: 'time' | 'latest' = 'time'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [key, expectation] of classifyForRestore(h.events(), T, mode)) out[key] = expectation;
  return out;
}

describe('classifyForRestore (what a restore to T must hold)', () => {
  const h = new CannedHistory()
    .write('acked-before', 9_000, { ok: 9_010 })
    .write('in-flight', 9_990, { ok: 10_030 }) // invoked before T, acknowledged after: either way
    .write('unknown-before', 9_500, { info: 9_600 })
    .write('failed-before', 9_000, { fail: 9_001 }) // certainly not applied: must not be there
    .write('invoked-after', 10_005, { ok: 10_010 })
    .write('pending-after', 10_500, 'pending');

  it('requires writes acknowledged before T and forbids writes invoked after T', async () => {
    expect(await classify(h)).toEqual({
      'acked-before': 'must',
      'in-flight': 'either',
      'unknown-before': 'either',
      'failed-before': 'must-not',
      'invoked-after': 'must-not',
      'pending-after': 'must-not',
    });
  });

  it('to the end of WAL, writes invoked after T may be present', async () => {
    expect(await classify(h, 'latest')).toMatchObject({ 'acked-before': 'must', 'invoked-after': 'either', 'pending-after': 'either' });
  });
});

describe('checkRestore', () => {
  const read = (over: Partial<RestoreRead> = {}): RestoreRead => ({
    name: 'restore-1', target: 'mark T', targetTime: wallAt(10_000), seconds: 12.5, rowCount: 1000, checksum: 'abc',
    expectedMin: 990, expectedMax: 1004, missing: keyList(0, []), unexpected: keyList(0, []),
    reached: { timeline: 2, lsn: '0/5000000', lastCommitAt: wallAt(10_000) },
    ...over,
  });

  it('passes a restore that holds exactly what it must', () => {
    const { metrics } = checkRestore([read()]);
    expect(metrics).toEqual({
      restore_seconds: 12.5, restore_row_count: 1000, restore_expected_min: 990, restore_expected_max: 1004,
      restore_missing_writes: 0, restore_unexpected_writes: 0,
      restore_ha_seconds: null, restore_instances_differing: null, restored_drill_failures: null,
    });
  });

  it('names a missing and an unexpected key', () => {
    const { metrics, evidence } = checkRestore([read({ missing: keyList(1, ['k-17']), unexpected: keyList(1, ['intruder']) })]);
    expect(metrics.restore_missing_writes).toBe(1);
    expect(metrics.restore_unexpected_writes).toBe(1);
    expect(evidence.restores[0]!.missing.items).toEqual(['k-17']);
    expect(evidence.restores[0]!.unexpected.items).toEqual(['intruder']);
  });

  it('makes every restore metric unmeasured (never 0) when a restore failed or none was made', () => {
    const failed = checkRestore([{ name: 'restore-1', error: 'recovery ended before the target was reached' }]);
    expect(failed.metrics.restore_missing_writes).toBeNull();
    expect(failed.unmeasured.restore_missing_writes).toMatch(/recovery ended before/);
    expect(checkRestore(undefined).unmeasured.restore_seconds).toBe('no restore was made');
  });

  describe('a restore into a cluster', () => {
    const instance = (name: string, over: Partial<RestoredInstanceRows> = {}): RestoredInstanceRows => ({
      name, role: 'replica', rowCount: 1000, checksum: 'abc', matches: true, ...over,
    });
    const cluster = (over: Partial<RestoreRead> = {}): RestoreRead =>
      read({
        ha: { seconds: 41.2 },
        instances: [instance('restore-1-a', { role: 'primary' }), instance('restore-1-b'), instance('restore-1-c')],
        drill: { verdict: 'pass', reasons: [], reportDir: 'restore-1' },
        ...over,
      });

    it('passes when every instance holds the primary\'s rows, the replicas stream and the drill inside passes', () => {
      const { metrics, unmeasured } = checkRestore([cluster()]);
      expect(metrics).toMatchObject({ restore_ha_seconds: 41.2, restore_instances_differing: 0, restored_drill_failures: 0 });
      expect(unmeasured.restore_instances_differing).toBeUndefined();
    });

    it('counts a restored replica whose rows differ from the primary\'s', () => {
      const differs = cluster({ instances: [instance('restore-1-a', { role: 'primary' }), instance('restore-1-b', { rowCount: 999, checksum: 'abd', matches: false }), instance('restore-1-c')] });
      expect(checkRestore([differs]).metrics.restore_instances_differing).toBe(1);
    });

    it('leaves the instances unmeasured (never 0) when one could not be read', () => {
      const unread = cluster({ instances: [instance('restore-1-a', { role: 'primary' }), instance('restore-1-b', { rowCount: null, checksum: null, matches: null, error: 'connection refused' })] });
      const { metrics, unmeasured } = checkRestore([unread]);
      expect(metrics.restore_instances_differing).toBeNull();
      expect(unmeasured.restore_instances_differing).toMatch(/restore-1-b could not be read: connection refused/);
    });

    it('leaves restore_ha_seconds unmeasured when the replicas never streamed', () => {
      const { metrics, unmeasured } = checkRestore([cluster({ ha: { error: 'restore-1-c is starting' } })]);
      expect(metrics.restore_ha_seconds).toBeNull();
      expect(unmeasured.restore_ha_seconds).toMatch(/restore-1-c is starting/);
    });

    it('counts a failed drill inside, and leaves an undecided one unmeasured', () => {
      expect(checkRestore([cluster({ drill: { verdict: 'fail', reasons: ['rto_seconds 41 > 30'], reportDir: 'restore-1' } })]).metrics.restored_drill_failures).toBe(1);
      const undecided = checkRestore([cluster({ drill: { verdict: 'inconclusive', reasons: ['primary-kill was not applied'], reportDir: 'restore-1' } })]);
      expect(undecided.metrics.restored_drill_failures).toBeNull();
      expect(undecided.unmeasured.restored_drill_failures).toMatch(/inside restore-1 was inconclusive: primary-kill was not applied/);
    });

    it('says why the cluster metrics are unmeasured after a single-instance restore', () => {
      const { unmeasured } = checkRestore([read()]);
      expect(unmeasured).toMatchObject({ restore_ha_seconds: 'no restore into a cluster', restore_instances_differing: 'no restore into a cluster', restored_drill_failures: 'no drill inside a restored cluster' });
    });
  });
});
