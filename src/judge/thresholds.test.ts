import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../scenario/thresholds.ts';
import { evaluateThresholds, judgeThresholds } from './thresholds.ts';

describe('evaluateThresholds', () => {
  const thresholds = ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0'].map(parseThreshold);

  it('reports metric, expression, value and ok for each', () => {
    expect(evaluateThresholds(thresholds, { rto_seconds: 12.3, lost_writes: 2, split_brain_windows: 0 })).toEqual([
      { metric: 'rto_seconds', expression: 'rto_seconds <= 30', value: 12.3, ok: true },
      { metric: 'lost_writes', expression: 'lost_writes == 0', value: 2, ok: false },
      { metric: 'split_brain_windows', expression: 'split_brain_windows == 0', value: 0, ok: true },
    ]);
  });

  it('never passes a null or missing value, whatever the operator', () => {
    const lenient = ['rto_seconds != 5', 'rto_seconds >= 0', 'rto_seconds <= 30'].map(parseThreshold);
    expect(evaluateThresholds(lenient, { rto_seconds: null }).map((r) => [r.value, r.ok])).toEqual([[null, false], [null, false], [null, false]]);
    expect(evaluateThresholds(lenient, {}).every((r) => !r.ok)).toBe(true);
  });

  it('decides a null value by what it is known to exceed only when that bound already breaks the threshold', () => {
    const gates = ['rto_seconds <= 30', 'rto_seconds <= 40', 'rto_seconds >= 10'].map(parseThreshold);
    const [broken, open, lenient] = evaluateThresholds(gates, { rto_seconds: null }, { rto_seconds: 30 });
    expect(broken).toEqual({ metric: 'rto_seconds', expression: 'rto_seconds <= 30', value: null, ok: false });
    expect(open).toMatchObject({ ok: false, undecided: expect.stringMatching(/^rto_seconds > 30: no write was acknowledged in the 30 s/) });
    // Never a pass on an unknown value, even one the bound would satisfy.
    expect(lenient).toMatchObject({ ok: false, undecided: expect.any(String) });
    expect(judgeThresholds([open!], {})).toMatchObject({ verdict: 'inconclusive', reasons: [expect.stringMatching(/^rto_seconds <= 40 cannot be judged: rto_seconds > 30/)] });
  });
});

describe('judgeThresholds', () => {
  const rto = { metric: 'rto_seconds', expression: 'rto_seconds <= 30' } as const;
  it('passes when every threshold holds', () => {
    expect(judgeThresholds([{ ...rto, value: 12, ok: true }], {})).toEqual({ verdict: 'pass', reasons: [] });
  });
  it('fails on a broken threshold and says by how much', () => {
    expect(judgeThresholds([{ ...rto, value: 42.5, ok: false }], {})).toEqual({
      verdict: 'fail',
      reasons: ['rto_seconds <= 30 failed: rto_seconds = 42.5'],
    });
  });
  it('fails when a null metric means unbounded, and is inconclusive when it was not measured', () => {
    expect(judgeThresholds([{ ...rto, value: null, ok: false }], {}).verdict).toBe('fail');
    const judged = judgeThresholds([{ ...rto, value: null, ok: false }], { rto_seconds: 'no fault was injected' });
    expect(judged).toEqual({ verdict: 'inconclusive', reasons: ['rto_seconds <= 30 not measured: no fault was injected'] });
  });
});
