import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { localStackOptions, validateLocalOptions } from './stack-options.ts';

// The one validation `up` (startLocalTarget) and `run` (the local driver's preflight) share.
describe('validateLocalOptions', () => {
  it('refuses more synchronous standbys than replicas under synchronous: on', () => {
    const options = localStackOptions('sync-five', { zones: ['a', 'b', 'c'], synchronous: 'on', syncStandbys: 5 });
    expect(() => validateLocalOptions(options)).toThrow(UsageError);
    expect(() => validateLocalOptions(options)).toThrow(/with 5 standby\(s\) needs at least 6 zones \(got 3\)/);
  });

  it('refuses them under strict too, and lets two of three zones be standbys', () => {
    expect(() => validateLocalOptions(localStackOptions('sync-three', { synchronous: 'strict', syncStandbys: 3 }))).toThrow(/every write would block/);
    expect(validateLocalOptions(localStackOptions('sync-two', { synchronous: 'on', syncStandbys: 2 })).syncStandbys).toBe(2);
  });

  it('ignores the standby count when replication is asynchronous', () => {
    expect(validateLocalOptions(localStackOptions('async-one', { zones: ['a'], synchronous: 'off' })).zones).toEqual(['a']);
  });

  it('refuses a subnet outside 198.18.0.0/15 and a run id that is not one path segment', () => {
    expect(() => validateLocalOptions(localStackOptions('subnet-ten', { subnet: '10.0.0.0/24' }))).toThrow(/inside 198\.18\.0\.0\/15/);
    expect(() => validateLocalOptions(localStackOptions('..'))).toThrow(/run id "\.\." is invalid/);
  });
});
