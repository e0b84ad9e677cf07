import { describe, expect, it } from 'vitest';
import type { LagEvent, SteadyStateEvent } from '../history/events.ts';
import { CannedHistory } from '../../test/support/canned-history.ts';
import { checkRecovery } from './recovery.ts';

const SHAPE: SteadyStateEvent = { type: 'steady-state', ok: true, primary: 'pg-a', instances: ['pg-a', 'pg-b', 'pg-c'], synchronous: true, checks: ['canned'] };

/** One lag sampling round of `primary`: a row per standby, streaming, the first one synchronous. */
function round(h: CannedHistory, t: number, primary: string, standbys: string[], overrides: Partial<LagEvent> = {}): CannedHistory {
  standbys.forEach((replica, i) => h.add(t + i, { type: 'lag', instance: primary, replica, lagBytes: 0, syncState: i === 0 ? 'sync' : 'async', state: 'streaming', ...overrides }));
  return h;
}

/** A primary kill of pg-a at 10 s (witnessed at 10.2 s); pg-b promoted on timeline 2; pg-a back as a replica at 40 s. */
function killAndFailover(): CannedHistory {
  const h = new CannedHistory().add(0, SHAPE);
  round(h, 1_000, 'pg-a', ['pg-b', 'pg-c']);
  h.write('before', 5_000, { ok: 5_010, instance: 'pg-a', timeline: 1 });
  h.add(10_000, { type: 'inject', fault: 'f1', kind: 'primary-kill', targets: ['pg-a'], primary: 'pg-a' });
  h.add(11_000, { type: 'fault-applied', fault: 'f1', at: { t: 10_200, wall: new Date(10_200).toISOString() }, witness: 'canned', dated: 'by-observation', expected: { maxSeconds: 15.5, basis: 'ttl 10 + ...' } });
  h.write('after', 20_000, { ok: 20_100, instance: 'pg-b', timeline: 2 });
  round(h, 21_000, 'pg-b', ['pg-c']);
  h.add(25_000, { type: 'archive', instance: 'pg-b', archivedCount: 5, failedCount: 0, lastArchivedWal: '00000002.history', lastArchivedAgeSeconds: 0, walRetainedBytes: 0 });
  h.add(31_000, { type: 'archive', instance: 'pg-b', archivedCount: 6, failedCount: 0, lastArchivedWal: '000000020000000000000007', lastArchivedAgeSeconds: 0, walRetainedBytes: 0 });
  return h;
}

describe('checkRecovery', () => {
  it('measures HA restored, the old primary rejoined and the new timeline archived, from the moment the fault took effect', () => {
    const h = killAndFailover();
    round(h, 40_000, 'pg-b', ['pg-c', 'pg-a']);
    const { metrics, evidence } = checkRecovery(h.events(), new Map([['f1', 9.9]]));
    // The shape is whole with the round's last row (pg-a, at 40.001 s).
    expect(metrics.ha_restored_seconds).toBe(29.801);
    expect(metrics.rejoin_seconds).toBe(29.801);
    // The .history file is not a segment: the first segment of timeline 2 is.
    expect(metrics.archive_resumed_seconds).toBe(20.8);
    expect(evidence.faults[0]).toMatchObject({ primaryBefore: 'pg-a', archiveResumedWal: '000000020000000000000007' });
    expect(metrics.rto_expected_max_seconds).toBe(15.5);
    expect(metrics.rto_excess_seconds).toBe(-5.6);
    expect(metrics.fault_effect_latency_seconds).toBe(0.2);
  });

  it('leaves HA restored and rejoin null (not unmeasured: a threshold fails) when the old primary never came back', () => {
    const { metrics, unmeasured } = checkRecovery(killAndFailover().events());
    expect(metrics.ha_restored_seconds).toBeNull();
    expect(metrics.rejoin_seconds).toBeNull();
    expect(unmeasured.ha_restored_seconds).toBeUndefined();
    expect(unmeasured.rejoin_seconds).toBeUndefined();
  });

  it('says the new timeline\'s archive does not apply to a stack that never archived, and still waits for one whose archiver stalls', () => {
    const unarchived = killAndFailover();
    const withoutArchive = new CannedHistory();
    for (const e of unarchived.events()) if (e.type !== 'archive') withoutArchive.add(e.t, e);
    const none = checkRecovery(withoutArchive.events());
    expect(none.metrics.archive_resumed_seconds).toBeNull();
    expect(none.unmeasured.archive_resumed_seconds).toBe('the stack does not archive (no archiver was sampled)');
    // Sampled, but nothing of the new timeline archived: null, and a threshold on it fails.
    const stalled = new CannedHistory();
    for (const e of unarchived.events()) if (e.type !== 'archive' || e.lastArchivedWal === '00000002.history') stalled.add(e.t, e);
    const stuck = checkRecovery(stalled.events());
    expect(stuck.metrics.archive_resumed_seconds).toBeNull();
    expect(stuck.unmeasured.archive_resumed_seconds).toBeUndefined();
  });

  it('does not count a shape without the synchronous standby as restored', () => {
    const h = killAndFailover();
    round(h, 40_000, 'pg-b', ['pg-c', 'pg-a'], { syncState: 'async' });
    expect(checkRecovery(h.events()).metrics.ha_restored_seconds).toBeNull();
    // The next round: pg-c's row (41.000 s) completes the shape, pg-a's sync row of the earlier round being fresh still.
    round(h, 41_000, 'pg-b', ['pg-a', 'pg-c']);
    expect(checkRecovery(h.events()).metrics.ha_restored_seconds).toBe(30.8);
  });

  it('does not count a standby still catching up as restored', () => {
    const h = killAndFailover();
    round(h, 40_000, 'pg-b', ['pg-c', 'pg-a'], { state: 'catchup' });
    expect(checkRecovery(h.events()).metrics.ha_restored_seconds).toBeNull();
  });

  it('says why rejoin and the archive on a new timeline do not apply when the primary kept its role', () => {
    const h = new CannedHistory().add(0, SHAPE);
    h.write('before', 5_000, { ok: 5_010, instance: 'pg-a', timeline: 1 });
    h.add(10_000, { type: 'inject', fault: 'f1', kind: 'replica-kill', targets: ['pg-b'], primary: 'pg-a' });
    h.add(10_100, { type: 'fault-applied', fault: 'f1', at: { t: 10_050, wall: new Date(10_050).toISOString() } });
    round(h, 30_000, 'pg-a', ['pg-b', 'pg-c']);
    const { metrics, unmeasured } = checkRecovery(h.events());
    expect(metrics.ha_restored_seconds).toBe(19.951);
    expect(metrics.rejoin_seconds).toBeNull();
    expect(unmeasured.rejoin_seconds).toBe('the primary kept its role (no failover)');
    expect(unmeasured.archive_resumed_seconds).toBe('no new timeline (no promotion)');
    expect(unmeasured.rto_expected_max_seconds).toContain('predicts no RTO');
    expect(unmeasured.failover_backup_seconds).toContain('no backup was taken after a failover');
  });

  it('reports the backup after the failover, and a failed one as null', () => {
    const ok = killAndFailover().add(50_000, { type: 'failover-backup', ok: true, id: '20261202-1I', seconds: 3.2 });
    expect(checkRecovery(ok.events()).metrics.failover_backup_seconds).toBe(3.2);
    const failed = killAndFailover().add(50_000, { type: 'failover-backup', ok: false, error: 'stanza mismatch', seconds: 1.1 });
    const { metrics, unmeasured, evidence } = checkRecovery(failed.events());
    expect(metrics.failover_backup_seconds).toBeNull();
    expect(unmeasured.failover_backup_seconds).toBeUndefined();
    expect(evidence.failoverBackup).toMatchObject({ ok: false, error: 'stanza mismatch' });
  });

  it('is unmeasured without a fault', () => {
    const { metrics, unmeasured } = checkRecovery(new CannedHistory().add(0, SHAPE).events());
    expect(metrics.ha_restored_seconds).toBeNull();
    expect(unmeasured.ha_restored_seconds).toBe('no fault was injected');
  });
});
