import { describe, expect, it } from 'vitest';
import { CannedHistory } from '../../test/support/canned-history.ts';
import { checkWrites } from './writes.ts';

describe('checkWrites', () => {
  it('counts ok, failed and unknown; a write never completed is unknown', () => {
    const history = new CannedHistory()
      .write('k1', 0, { ok: 5 })
      .write('k2', 10, { ok: 15 })
      .write('k3', 20, { fail: 21, error: 'connect ECONNREFUSED' })
      .write('k4', 30, { info: 40, error: 'Connection terminated unexpectedly' })
      .write('k5', 50, 'pending')
      .events();
    const { metrics, evidence } = checkWrites(history);
    expect(metrics).toEqual({ writes_invoked: 5, writes_ok: 2, writes_failed: 1, writes_unknown: 2 });
    expect(evidence.pending).toBe(1);
    expect(evidence.topErrors).toEqual([
      { outcome: 'fail', error: 'connect ECONNREFUSED', count: 1 },
      { outcome: 'info', error: 'Connection terminated unexpectedly', count: 1 },
    ]);
    expect(evidence.protocolViolations.count).toBe(0);
  });

  it('names writes that break invoke → exactly one completion', () => {
    const history = new CannedHistory()
      .write('k1', 0, { ok: 5 }, 1)
      .add(6, { type: 'fail', op: 'write', process: 1, key: 'k1', error: 'late' })
      .add(7, { type: 'ok', op: 'write', process: 2, key: 'never-invoked', instance: 'pg-a', timeline: 1, serverTime: 'x', latencyMs: 1 })
      .events();
    const { metrics, evidence } = checkWrites(history);
    expect(metrics.writes_ok).toBe(1);
    expect(evidence.protocolViolations.items.map((v) => [v.problem, v.key])).toEqual([
      ['second-completion', 'k1'],
      ['completion-without-invoke', 'never-invoked'],
    ]);
  });
});
