import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { evaluateThresholds, parseThreshold } from './thresholds.ts';

describe('parseThreshold', () => {
  it('parses every operator and normalises the expression', () => {
    expect(parseThreshold('rto_seconds<=30')).toEqual({ metric: 'rto_seconds', op: '<=', limit: 30, expression: 'rto_seconds <= 30' });
    const ops = ['<', '<=', '==', '!=', '>=', '>'].map((op) => parseThreshold(`lost_writes ${op} 0`).op);
    expect(ops).toEqual(['<', '<=', '==', '!=', '>=', '>']);
    expect(parseThreshold('  split_brain_seconds < 0.5 ').limit).toBe(0.5);
  });

  it('names the known metrics, and the likely one, for an unknown metric', () => {
    const error = catchError(() => parseThreshold('rto_second <= 30'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^unknown metric "rto_second" \(did you mean rto_seconds\?\); known metrics: .*lost_writes.*split_brain_windows/);
  });

  it.each(['rto_seconds =< 30', 'rto_seconds <= thirty', 'rto_seconds', '<= 30', 'rto_seconds <= 30s'])('rejects %j with the expected form', (text) => {
    expect(() => parseThreshold(text)).toThrow(/expected "<metric> <op> <number>"/);
  });
});

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
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
