import { describe, expect, it } from 'vitest';
import { judgeSuite } from './judge-suite.ts';

describe('judgeSuite', () => {
  it('takes the worst verdict of its runs; a suite cut short is interrupted', () => {
    expect(judgeSuite(['pass', 'pass'], 0)).toBe('pass');
    expect(judgeSuite(['pass', 'fail', 'skipped'], 0)).toBe('fail');
    expect(judgeSuite(['pass', 'skipped'], 0)).toBe('skipped');
    expect(judgeSuite(['pass'], 1)).toBe('interrupted');
    expect(judgeSuite([], 0)).toBe('pass');
  });
});
