import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../checks/analyze.ts';
import type { FinalReads } from '../checks/final-reads.ts';
import { METRIC_NAMES, type Metrics } from '../checks/metric-catalogue.ts';
import { parseThreshold } from '../scenario/thresholds.ts';
import { CannedHistory } from '../../test/support/canned-history.ts';
import { judgeRun } from './judge-run.ts';

const GATES = ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0', 'phantom_writes == 0', 'unexpected_writes == 0'].map(parseThreshold);

const a = { instance: 'pg-a', timeline: 1 };
const b = { instance: 'pg-b', timeline: 2 };

function reads(keys: Iterable<string>): FinalReads {
  const set = new Set(keys);
  return { primary: 'pg-b', instances: [{ instance: 'pg-a', keys: set }, { instance: 'pg-b', keys: set }, { instance: 'pg-c', keys: set }] };
}

function allKeys(history: CannedHistory, except: string[] = []): string[] {
  return history.events().flatMap((e) => (e.type === 'ok' && !except.includes(e.key) ? [e.key] : []));
}

async function verdictOf(history: CannedHistory, finalReads: FinalReads | null) {
  const analysis = await analyzeRun(history.events(), finalReads);
  return { analysis, ...judgeRun({ thresholds: GATES, analysis }) };
}

function failover(): CannedHistory {
  return new CannedHistory()
    .probes('pg-a', 0, 9_750, 250, { role: 'primary', timeline: 1, acceptsWrites: true })
    .probes('pg-b', 0, 16_750, 250, { role: 'replica', timeline: 1, acceptsWrites: false })
    .probes('pg-b', 17_000, 25_000, 250, { role: 'primary', timeline: 2, acceptsWrites: true })
    .steadyWrites('before', 0, 9_900, 100, a)
    .inject(10_000, 'f1')
    .failingWrites('down', 10_000, 16_500, 500)
    .steadyWrites('after', 17_000, 25_000, 100, b)
    .heal(20_000, 'f1');
}

describe('analyzeRun → thresholds → verdict', () => {
  it('passes a clean failover, with every metric present', async () => {
    const history = failover();
    const { analysis, verdict, reasons } = await verdictOf(history, reads(allKeys(history)));
    expect(Object.keys(analysis.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    expect(analysis.metrics).toMatchObject({ rto_seconds: 7.005, lost_writes: 0, split_brain_windows: 0, diverged_replicas: 0, writes_ok: 181 });
    expect(verdict).toBe('pass');
    expect(reasons).toEqual([]);
  });

  it('fails when an acknowledged write is lost, and names it', async () => {
    const history = failover();
    const { analysis, verdict, reasons } = await verdictOf(history, reads(allKeys(history, ['before-99'])));
    expect(verdict).toBe('fail');
    expect(reasons).toEqual(['lost_writes == 0 failed: lost_writes = 1']);
    expect(analysis.evidence.rpo?.lost.items.map((l) => l.key)).toEqual(['before-99']);
  });

  it('never passes when no write succeeds after the fault: RTO null, verdict fail', async () => {
    const history = new CannedHistory()
      .probes('pg-b', 0, 40_000, 250, { role: 'replica', timeline: 1, acceptsWrites: false })
      .steadyWrites('before', 0, 9_900, 100, a)
      .inject(10_000, 'f1')
      .failingWrites('down', 10_000, 40_000, 500);
    const { analysis, verdict, reasons } = await verdictOf(history, reads(allKeys(history)));
    expect(analysis.metrics.rto_seconds).toBeNull();
    expect(verdict).toBe('fail');
    expect(reasons[0]).toMatch(/^rto_seconds <= 30 failed: rto_seconds has no finite value/);
  });

  it('is inconclusive, not a fail, when the drill ended before the RTO limit with no write acknowledged', async () => {
    const history = new CannedHistory()
      .steadyWrites('before', 0, 9_900, 100, a)
      .inject(10_000, 'f1')
      .failingWrites('down', 10_000, 30_000, 500);
    const analysis = await analyzeRun(history.events(), reads(allKeys(history)));
    const { verdict, reasons } = judgeRun({ thresholds: [parseThreshold('rto_seconds <= 40')], analysis });
    expect(verdict).toBe('inconclusive');
    expect(reasons).toEqual([expect.stringMatching(/^rto_seconds <= 40 cannot be judged: rto_seconds > 20: .*20 s the drill watched/)]);
  });

  it('is inconclusive, not a pass, when the final read could not be made', async () => {
    const { analysis, verdict, reasons } = await verdictOf(failover(), null);
    expect(analysis.metrics.lost_writes).toBeNull();
    expect(verdict).toBe('inconclusive');
    expect(reasons).toContain('lost_writes == 0 not measured: no final read was made');
  });

  it('is inconclusive when the workload stopped before the fault and never tried again', async () => {
    const history = new CannedHistory()
      .probes('pg-a', 0, 12_000, 250, { role: 'primary', timeline: 1, acceptsWrites: true })
      .steadyWrites('before', 0, 9_900, 100, a)
      .inject(10_000, 'f1');
    const { verdict, reasons } = await verdictOf(history, { primary: 'pg-a', instances: [{ instance: 'pg-a', keys: new Set(allKeys(history)) }] });
    expect(verdict).toBe('inconclusive');
    expect(reasons[0]).toMatch(/rto_seconds <= 30 not measured: fault f1: no write was attempted after it/);
  });
});

describe('a fault that lapsed before its heal', () => {
  const lapsed = (history: CannedHistory): CannedHistory =>
    history.add(12_000, { type: 'fault-lapsed', fault: 'f1', at: { t: 12_000, wall: '2025-01-01T10:00:12.000Z' }, heldSeconds: 2, evidence: 'pg-a answers again from the same postmaster' });

  it('makes a clean-looking failover inconclusive, naming when it lapsed and how long it held', async () => {
    const history = lapsed(failover().applied(10_000, 'f1', 10_000));
    const { verdict, reasons } = await verdictOf(history, reads(allKeys(history)));
    expect(verdict).toBe('inconclusive');
    expect(reasons.join('\n')).toMatch(/f1 \(primary-kill pg-a\) lapsed before its heal, at 2025-01-01T10:00:12.000Z after 2s in effect: pg-a answers again/);
  });

  it('still fails a run that lost a write: a failure outranks not knowing', async () => {
    const history = lapsed(failover().applied(10_000, 'f1', 10_000));
    const { verdict } = await verdictOf(history, reads(allKeys(history, ['before-99'])));
    expect(verdict).toBe('fail');
  });
});

describe('judgeRun', () => {
  const gates = ['rto_seconds <= 30', 'lost_writes == 0'].map(parseThreshold);
  const none = Object.fromEntries(METRIC_NAMES.map((m) => [m, null])) as Metrics;
  const measured = (lost: number) => ({ metrics: { ...none, rto_seconds: 12, lost_writes: lost }, unmeasured: {} });

  it("merges the runner's outcome with the thresholds' verdict, the runner's reason first", () => {
    const interrupted = judgeRun({ thresholds: gates, analysis: measured(1), outcome: { verdict: 'interrupted', reason: 'interrupted by a signal' } });
    expect(interrupted).toMatchObject({ verdict: 'interrupted', reasons: ['interrupted by a signal', 'lost_writes == 0 failed: lost_writes = 1'] });
    const inconclusive = judgeRun({ thresholds: gates, analysis: measured(1), outcome: { verdict: 'inconclusive', reason: 'the stack did not settle' } });
    expect(inconclusive.verdict).toBe('fail');
    const skipped = judgeRun({ thresholds: gates, analysis: null, outcome: { verdict: 'skipped', reason: 'the local target cannot do dcs-loss' } });
    expect(skipped).toEqual({ verdict: 'skipped', reasons: ['the local target cannot do dcs-loss'], thresholds: [] });
  });

  it('keeps each threshold\'s result for the report', () => {
    expect(judgeRun({ thresholds: gates, analysis: measured(0) })).toEqual({
      verdict: 'pass',
      reasons: [],
      thresholds: [
        { metric: 'rto_seconds', expression: 'rto_seconds <= 30', value: 12, ok: true },
        { metric: 'lost_writes', expression: 'lost_writes == 0', value: 0, ok: true },
      ],
    });
  });

  it('never passes a run that has neither checks nor an outcome', () => {
    expect(judgeRun({ thresholds: gates, analysis: null })).toEqual({ verdict: 'inconclusive', reasons: ['the run ended before its checks ran'], thresholds: [] });
  });
});
