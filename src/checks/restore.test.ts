import { describe, expect, it } from 'vitest';
import { CannedHistory, wallAt } from '../../test/support/canned-history.ts';
import { checkRestore, classifyForRestore, keyList, type RestoreRead } from './restore.ts';

const T = Date.parse(wallAt(10_000));

async function classify(h: CannedHistory, mode: 'time' | 'latest' = 'time'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [key, expectation] of classifyForRestore(h.events(), T, mode)) out[key] = expectation;
  return out;
}

describe('classifyForRestore (what a restore to T must hold)', () => {
  const h = new CannedHistory()
    .write('acked-before', 9_000, { ok: 9_010 })
    .write('in-flight', 9_990, { ok: 10_030 }) // invoked before T, acknowledged after: either way
    .write('unknown-before', 9_500, { info: 9_600 })
    .write('failed-before', 9_000, { fail: 9_001 }) // certainly not applied: must not be there
    .write('invoked-after', 10_005, { ok: 10_010 })
    .write('pending-after', 10_500, 'pending');

  it('requires writes acknowledged before T and forbids writes invoked after T', async () => {
    expect(await classify(h)).toEqual({
      'acked-before': 'must',
      'in-flight': 'either',
      'unknown-before': 'either',
      'failed-before': 'must-not',
      'invoked-after': 'must-not',
      'pending-after': 'must-not',
    });
  });

  it('to the end of WAL, writes invoked after T may be present', async () => {
    expect(await classify(h, 'latest')).toMatchObject({ 'acked-before': 'must', 'invoked-after': 'either', 'pending-after': 'either' });
  });
});

describe('checkRestore', () => {
  const read = (over: Partial<RestoreRead> = {}): RestoreRead => ({
    name: 'restore-1', target: 'mark T', targetTime: wallAt(10_000), seconds: 12.5, rowCount: 1000, checksum: 'abc',
    expectedMin: 990, expectedMax: 1004, missing: keyList(0, []), unexpected: keyList(0, []),
    reached: { timeline: 2, lsn: '0/5000000', lastCommitAt: wallAt(10_000) },
    ...over,
  });

  it('passes a restore that holds exactly what it must', () => {
    const { metrics } = checkRestore([read()]);
    expect(metrics).toEqual({
      restore_seconds: 12.5, restore_row_count: 1000, restore_expected_min: 990, restore_expected_max: 1004,
      restore_missing_writes: 0, restore_unexpected_writes: 0,
    });
  });

  it('names a missing and an unexpected key', () => {
    const { metrics, evidence } = checkRestore([read({ missing: keyList(1, ['k-17']), unexpected: keyList(1, ['intruder']) })]);
    expect(metrics.restore_missing_writes).toBe(1);
    expect(metrics.restore_unexpected_writes).toBe(1);
    expect(evidence.restores[0]!.missing.items).toEqual(['k-17']);
    expect(evidence.restores[0]!.unexpected.items).toEqual(['intruder']);
  });

  it('makes every restore metric unmeasured (never 0) when a restore failed or none was made', () => {
    const failed = checkRestore([{ name: 'restore-1', error: 'recovery ended before the target was reached' }]);
    expect(failed.metrics.restore_missing_writes).toBeNull();
    expect(failed.unmeasured.restore_missing_writes).toMatch(/recovery ended before/);
    expect(checkRestore(undefined).unmeasured.restore_seconds).toBe('no restore was made');
  });
});
