import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCi } from '../cli/output.ts';
import { createLiveProgress, createProgress } from './progress.ts';

describe('progress', () => {
  afterEach(() => vi.useRealTimers());

  it('prints plain lines with the elapsed time and each phase\'s duration', async () => {
    let now = 0;
    const lines: string[] = [];
    const progress = createProgress((l) => lines.push(l), () => now);
    await progress.phase('provision', async () => {
      now = 1_500;
      progress.note('image ready');
      now = 12_300;
    });
    expect(lines).toEqual(['[   0.0s] provision ...', '[   1.5s]   image ready', '[  12.3s] provision done (12.3s)']);
    expect(progress.timings).toEqual([{ name: 'provision', ms: 12_300 }]);
  });

  it('on a terminal, keeps a live line with the running phases\' elapsed time and erases it before each permanent line', async () => {
    vi.useFakeTimers();
    let now = 0;
    let screen = '';
    const progress = createLiveProgress({ write: (t) => (screen += t) }, () => now, 250);
    let release!: () => void;
    const outer = progress.phase('provision', () => progress.phase('image', () => new Promise<void>((r) => (release = r))));
    await Promise.resolve();
    now = 4_200;
    await vi.advanceTimersByTimeAsync(250);
    expect(screen.endsWith('\r\u001b[2K[   4.2s] provision 4.2s › image 4.2s')).toBe(true);
    progress.note('pulling');
    expect(screen.endsWith('\r\u001b[2K[   4.2s]   pulling\n\r\u001b[2K[   4.2s] provision 4.2s › image 4.2s')).toBe(true);
    now = 6_000;
    release();
    await outer;
    // Nothing runs any more: the live line is gone, the permanent lines stay.
    expect(screen.slice(screen.lastIndexOf('\n') + 1).split('\r\u001b[2K').at(-1)).toBe('');
    const permanent = screen.split('\n').map((l) => l.split('\r').at(-1)!.replace('\u001b[2K', '')).filter(Boolean);
    expect(permanent).toEqual(['[   0.0s] provision ...', '[   0.0s] image ...', '[   4.2s]   pulling', '[   6.0s] image done (6.0s)', '[   6.0s] provision done (6.0s)']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes CI=true (or any CI value but false/0) as CI: plain lines only', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
