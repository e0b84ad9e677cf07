import { describe, expect, it } from 'vitest';
import { judgeThresholds, mergeVerdicts, verdictExitCode } from './verdict.ts';

describe('mergeVerdicts', () => {
  it('ranks interrupted > fail > inconclusive > skipped > pass', () => {
    expect(mergeVerdicts()).toBe('pass');
    expect(mergeVerdicts('pass', 'inconclusive')).toBe('inconclusive');
    expect(mergeVerdicts('inconclusive', 'fail', 'pass')).toBe('fail');
    expect(mergeVerdicts('pass', 'skipped')).toBe('skipped');
    expect(mergeVerdicts('fail', 'interrupted')).toBe('interrupted');
  });

  it('maps verdicts to the exit codes of the design', () => {
    expect(['pass', 'fail', 'inconclusive', 'interrupted'].map((v) => verdictExitCode(v as never))).toEqual([0, 1, 3, 130]);
  });
});

describe('judgeThresholds', () => {
  const rto = { metric: 'rto_seconds', expression: 'rto_seconds <= 30' };
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
