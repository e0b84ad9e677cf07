import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { parseThreshold } from './thresholds.ts';

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

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
