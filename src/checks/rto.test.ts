import { describe, expect, it } from 'vitest';
import { CannedHistory, wallAt } from '../../test/support/canned-history.ts';
import { checkRto, parseServerTime } from './rto.ts';

const oldPrimary = { instance: 'pg-a', timeline: 1 };
const newPrimary = { instance: 'pg-b', timeline: 2 };

/** Writes every 100 ms until 9.9 s, primary killed at 10 s, refused every 500 ms, back at 17 s on pg-b. */
function failover(): CannedHistory {
  return new CannedHistory()
    .steadyWrites('before', 0, 9_900, 100, oldPrimary)
    .inject(10_000, 'f1')
    .failingWrites('down', 10_000, 16_500, 500)
    .write('first-back', 17_000, { ok: 17_050, ...newPrimary, serverTime: wallAt(17_040) })
    .steadyWrites('after', 17_100, 20_000, 100, newPrimary)
    .heal(25_000, 'f1');
}

describe('checkRto', () => {
  it('measures RTO from the inject to the first acknowledged write, with downtime, server view and resolution', () => {
    const { metrics, evidence, unmeasured } = checkRto(failover().events());
    expect(metrics).toEqual({
      rto_seconds: 7.05,
      write_downtime_seconds: 7.145, // last ack 9.905 → 17.05
      server_rto_seconds: 7.04,
      rto_resolution_seconds: 0.5,
      faults_injected: 1,
      faults_unhealed: 0,
    });
    expect(unmeasured).toEqual({});
    const [f1] = evidence.faults;
    expect(f1).toMatchObject({
      fault: 'f1', recovered: true, newTimeline: true, newInstance: true,
      firstOk: { key: 'first-back', instance: 'pg-b', timeline: 2 },
      lastOkBefore: { instance: 'pg-a', timeline: 1 },
      attemptsDuringOutage: 14,
    });
  });

  it('does not count a write invoked before the fault and acknowledged after it as recovery', () => {
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_900, 100, oldPrimary)
      .write('in-flight', 9_950, { ok: 12_000, ...oldPrimary }) // held in a sync-rep wait, released late
      .inject(10_000, 'f1')
      .failingWrites('down', 10_000, 14_500, 500)
      .write('first-back', 15_000, { ok: 15_020, ...newPrimary })
      .events();
    const { metrics, evidence } = checkRto(history);
    expect(metrics.rto_seconds).toBe(5.02);
    expect(evidence.faults[0]?.firstOk?.key).toBe('first-back');
    // The late ack splits the outage: 9.905 → 12.0 and 12.0 → 15.02; the longer piece is the downtime.
    expect(metrics.write_downtime_seconds).toBe(3.02);
  });

  it('does not count a write the old primary acknowledged before the kill took effect (seen on a real run: RTO 0.008 s)', () => {
    // The inject is recorded before `docker kill` returns; for ~40 ms the old primary still serves.
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_990, 10, oldPrimary)
      .inject(10_000, 'f1')
      .write('served-before-kill', 10_001, { ok: 10_008, ...oldPrimary })
      .applied(10_040, 'f1')
      .failingWrites('down', 10_050, 18_950, 100)
      .write('first-back', 19_000, { ok: 19_030, ...newPrimary })
      .events();
    const { metrics, evidence } = checkRto(history);
    expect(evidence.faults[0]?.firstOk?.key).toBe('first-back');
    // From the moment the fault took effect: the harness's own 40 ms between the inject and the kill are not the stack's.
    expect(metrics.rto_seconds).toBe(8.99);
    expect(evidence.faults[0]?.injectToEffectSeconds).toBe(0.04);
    expect(evidence.faults[0]?.newInstance).toBe(true);
  });

  it('counts a commit stall between the inject and the moment in the write downtime (a rolling restart stalls before its switchover)', () => {
    // Inject at 10 s; the synchronous standby restarts and commits stall 10.0–13.0 s; the switchover dates the fault at 20 s.
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_900, 100, oldPrimary)
      .inject(10_000, 'f1')
      .write('stalled', 10_000, { ok: 13_000, ...oldPrimary })
      .steadyWrites('between', 13_100, 19_900, 100, oldPrimary)
      .applied(20_000, 'f1')
      .failingWrites('down', 20_000, 20_900, 100)
      .write('first-back', 21_000, { ok: 21_050, ...newPrimary })
      .events();
    const { metrics } = checkRto(history);
    expect(metrics.rto_seconds).toBe(1.05);
    // 9.905 s → 13.0 s, the stall, is longer than the switchover's 19.9 s → 21.05 s.
    expect(metrics.write_downtime_seconds).toBe(3.095);
  });

  it("measures from the witness's moment, which can lie before the fault-applied event was written", () => {
    // The witness saw the container gone at 10.3 s; its proof (no answer within 1 s) made fault-applied wait until 11.4 s.
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_990, 10, oldPrimary)
      .inject(10_000, 'f1')
      .failingWrites('down', 10_350, 18_950, 50)
      .applied(11_400, 'f1', 10_300)
      .write('first-back', 19_000, { ok: 19_300, ...newPrimary })
      .events();
    const { metrics, evidence } = checkRto(history);
    expect(metrics.rto_seconds).toBe(9);
    expect(evidence.faults[0]).toMatchObject({ effectiveT: 10_300, injectToEffectSeconds: 0.3, witness: 'canned witness' });
    // Writes invoked after the moment but before the event are attempts of the outage: the resolution counts them.
    expect(metrics.rto_resolution_seconds).toBe(0.05);
  });

  it('does not count a write the old primary served while the dating observation was still under way as recovery', () => {
    // A switchover: the witness's poll began at 10.000 s and saw the old primary refuse at 10.030 s; the shutdown came in between.
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_990, 10, oldPrimary)
      .inject(9_800, 'f1', 'switchover', ['pg-a', 'pg-b'])
      .write('slipped-in', 10_020, { ok: 10_027, ...oldPrimary })
      .failingWrites('down', 10_040, 11_960, 40)
      .applied(12_100, 'f1', 10_000, 10_030)
      .write('first-back', 12_000, { ok: 12_010, ...newPrimary })
      .events();
    const { metrics, evidence } = checkRto(history);
    // Counting from the poll's start, the slipped-in write would have made an RTO of 0.027 s on the old primary.
    expect(metrics.rto_seconds).toBe(2.01);
    expect(evidence.faults[0]).toMatchObject({ newInstance: true, firstOk: { key: 'first-back', instance: 'pg-b' } });
  });

  it('does not count acknowledgements that were later lost (a partitioned primary still answering) as recovery', () => {
    const h = new CannedHistory()
      .steadyWrites('before', 0, 9_900, 100, oldPrimary)
      .inject(10_000, 'cut', 'partition')
      .applied(10_050, 'cut')
      .steadyWrites('isolated', 10_100, 14_000, 100, oldPrimary) // acked by the cut-off primary, lost later
      .failingWrites('down', 14_100, 19_900, 200)
      .write('first-back', 20_000, { ok: 20_040, ...newPrimary });
    const lostKeys = new Set(h.events().flatMap((e) => (e.type === 'ok' && e.key.startsWith('isolated') ? [e.key] : [])));
    expect(checkRto(h.events()).metrics.rto_seconds).toBe(0.055); // what a naive check would report
    const { metrics, evidence } = checkRto(h.events(), { lostKeys });
    expect(metrics.rto_seconds).toBe(9.99);
    expect(evidence.faults[0]?.firstOk?.key).toBe('first-back');
  });

  it('reports RTO null, never 0, when no write is acknowledged after the fault', () => {
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_900, 100, oldPrimary)
      .inject(10_000, 'f1')
      .failingWrites('down', 10_000, 40_000, 500)
      .events();
    const { metrics, evidence, unmeasured, atLeast } = checkRto(history);
    expect(metrics.rto_seconds).toBeNull();
    expect(metrics.write_downtime_seconds).toBeNull();
    expect(metrics.rto_resolution_seconds).toBeNull();
    // Measured as unbounded, not "could not measure": a threshold on it fails.
    expect(unmeasured.rto_seconds).toBeUndefined();
    expect(evidence.faults[0]).toMatchObject({ recovered: false, firstOk: null, attemptsDuringOutage: 61, resolutionSeconds: 0.5, watchedSeconds: 30 });
    // All the history shows: the outage lasted at least until the last attempt.
    expect(atLeast).toEqual({ rto_seconds: 30, write_downtime_seconds: 30 });
  });

  it('calls RTO unmeasured when no write was even attempted after the fault', () => {
    const history = new CannedHistory().steadyWrites('before', 0, 9_900, 100, oldPrimary).inject(10_000, 'f1').events();
    const { metrics, unmeasured } = checkRto(history);
    expect(metrics.rto_seconds).toBeNull();
    expect(unmeasured.rto_seconds).toMatch(/fault f1: no write was attempted after it/);
  });

  it('calls RTO unmeasured when no fault was injected', () => {
    const history = new CannedHistory().steadyWrites('w', 0, 5_000, 100, oldPrimary).events();
    const { metrics, unmeasured } = checkRto(history);
    expect(metrics).toMatchObject({ rto_seconds: null, faults_injected: 0, faults_unhealed: 0 });
    expect(unmeasured.rto_seconds).toBe('no fault was injected');
  });

  it('still measures RTO for a fault never healed, and counts it unhealed', () => {
    const history = failover().events().filter((e) => e.type !== 'heal');
    const { metrics, evidence } = checkRto(history);
    expect(metrics.rto_seconds).toBe(7.05);
    expect(metrics.faults_unhealed).toBe(1);
    expect(evidence.records[0]).toMatchObject({ fault: 'f1', healedAt: null, healOutcome: 'none' });
  });

  it('counts a failed heal as unhealed, and a later successful retry as healed', () => {
    const failed = failover().heal(24_000, 'f1', 'failed').events().filter((e) => !(e.type === 'heal' && e.outcome === 'healed'));
    expect(checkRto(failed).metrics.faults_unhealed).toBe(1);
    expect(checkRto(failed).evidence.records[0]).toMatchObject({ healOutcome: 'failed', healError: 'container did not start' });
    const retried = failover().heal(24_000, 'f1', 'failed').events();
    expect(checkRto(retried).evidence.records[0]).toMatchObject({ healOutcome: 'healed', healedAt: wallAt(25_000) });
  });

  it('takes the worst fault for the run metrics', () => {
    const history = failover()
      .inject(30_000, 'f2', 'switchover', ['pg-b'])
      .failingWrites('switching', 30_000, 31_000, 250)
      .write('back-2', 31_500, { ok: 31_510, instance: 'pg-c', timeline: 3 })
      .events();
    const { metrics, evidence } = checkRto(history);
    expect(evidence.faults.map((f) => f.rtoSeconds)).toEqual([7.05, 1.51]);
    expect(metrics.rto_seconds).toBe(7.05);
    expect(metrics.faults_injected).toBe(2);
    expect(metrics.faults_unhealed).toBe(1);
  });

  it('reads PostgreSQL text timestamps for the server-side RTO', () => {
    expect(parseServerTime('2025-01-01 10:00:17.040123+00')).toBe(Date.parse('2025-01-01T10:00:17.040Z'));
    expect(parseServerTime('2025-01-01T10:00:17.040+00:00')).toBe(Date.parse('2025-01-01T10:00:17.040Z'));
  });
});
