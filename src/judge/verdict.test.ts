import { describe, expect, it } from 'vitest';
import { mergeVerdicts, verdictExitCode } from './verdict.ts';

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
