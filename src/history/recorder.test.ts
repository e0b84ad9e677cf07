import { mkdtempSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunClock } from './clock.ts';
import { FLUSH_INTERVAL_MS, HistoryRecorder, HISTORY_FILE } from './recorder.ts';
import { readHistoryFile } from './reader.ts';
import type { HistoryEvent } from './events.ts';

function tempHistory(): string {
  return join(mkdtempSync(join(tmpdir(), 'pgdrill-history-')), HISTORY_FILE);
}

describe('RunClock', () => {
  it('stamps monotonic ms since start and the wall time of the same instant', () => {
    let mono = 1000;
    let wall = Date.parse('2025-01-01T00:00:00.000Z');
    const clock = createRunClock({ monotonic: () => mono, wall: () => wall });
    mono += 1500.25;
    wall += 1500;
    expect(clock.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(clock.now()).toEqual({ t: 1500.25, wall: '2025-01-01T00:00:01.500Z' });
  });

  it('keeps durations right when the wall clock steps backwards', () => {
    let mono = 0;
    let wall = Date.parse('2025-01-01T00:00:10.000Z');
    const clock = createRunClock({ monotonic: () => mono, wall: () => wall });
    mono = 2000;
    wall -= 5000; // NTP step
    expect(clock.now().t).toBe(2000);
  });
});

describe('HistoryRecorder', () => {
  it('keeps every event recorded before the harness crashed (uncaught exception, never closed)', () => {
    const path = tempHistory();
    const script = join(mkdtempSync(join(tmpdir(), 'pgdrill-crash-')), 'crash.mts');
    writeFileSync(
      script,
      [
        `import { HistoryRecorder } from ${JSON.stringify(fileURLToPath(new URL('./recorder.ts', import.meta.url)))};`,
        `import { createRunClock } from ${JSON.stringify(fileURLToPath(new URL('./clock.ts', import.meta.url)))};`,
        `const recorder = new HistoryRecorder(${JSON.stringify(path)}, createRunClock());`,
        `recorder.record({ type: 'run-start', runId: 'r1', scenario: 'primary-kill', target: 'local' });`,
        `recorder.record({ type: 'invoke', op: 'write', process: 1, key: 'k1' });`,
        `throw new Error('harness bug mid-run');`,
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('harness bug mid-run');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: 'invoke', key: 'k1', process: 1 });
  });

  it('refuses events after close with a message naming the event', () => {
    const recorder = new HistoryRecorder(tempHistory(), createRunClock());
    recorder.close();
    recorder.close(); // idempotent
    expect(() => recorder.record({ type: 'mark', name: 'T1' })).toThrow(/closed; a mark event/);
  });

  it('notifies subscribers, and a throwing subscriber loses no event', () => {
    const recorder = new HistoryRecorder(tempHistory(), createRunClock());
    const seen: string[] = [];
    recorder.subscribe(() => {
      throw new Error('broken progress display');
    });
    const stop = recorder.subscribe((e) => seen.push(e.type));
    recorder.record({ type: 'mark', name: 'T1' });
    stop();
    recorder.record({ type: 'mark', name: 'T2' });
    expect(seen).toEqual(['mark']);
    expect(recorder.events()).toHaveLength(2);
    recorder.close();
  });

  it('has every event in the file within the flush interval, without close()', async () => {
    const path = tempHistory();
    const recorder = new HistoryRecorder(path, createRunClock());
    recorder.record({ type: 'mark', name: 'T1' });
    recorder.record({ type: 'mark', name: 'T2' });
    await new Promise((r) => setTimeout(r, FLUSH_INTERVAL_MS * 3));
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).name)).toEqual(['T1', 'T2']);
    recorder.close();
  });
});

describe('HistoryRecorder writing without blocking', () => {
  it('has each of 5000 events in the file exactly once and in order when close() comes while writes are in flight', async () => {
    const path = tempHistory();
    const recorder = new HistoryRecorder(path, createRunClock());
    for (let i = 0; i < 5000; i++) {
      recorder.record({ type: 'mark', name: `m${i}` });
      if (i % 250 === 0) recorder.flush(); // batches handed to the kernel, most not yet confirmed
    }
    recorder.close();
    const names = (): string[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).name);
    const expected = Array.from({ length: 5000 }, (_, i) => `m${i}`);
    expect(names()).toEqual(expected);
    // The writes still in flight at close() land on the same bytes: nothing doubled, nothing torn.
    await new Promise((r) => setTimeout(r, 200));
    expect(names()).toEqual(expected);
  });

  it('refuses a second recorder on a history file that already exists, leaving it untouched', () => {
    const path = tempHistory();
    const first = new HistoryRecorder(path, createRunClock());
    first.record({ type: 'mark', name: 'T1' });
    first.close();
    expect(() => new HistoryRecorder(path, createRunClock())).toThrow(/EEXIST/);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('readHistory', () => {
  it('reads back what was recorded and skips a last line cut short by a crash', async () => {
    const path = tempHistory();
    const recorder = new HistoryRecorder(path, createRunClock());
    recorder.record({ type: 'invoke', op: 'write', process: 1, key: 'k1' });
    recorder.record({ type: 'info', op: 'write', process: 1, key: 'k1', error: 'connection reset' });
    recorder.close();
    appendFileSync(path, '{"t":12.5,"wall":"2025-01-01T00:00:0');
    const truncated: number[] = [];
    const events: HistoryEvent[] = await readHistoryFile(path, { onTruncatedLine: (n) => truncated.push(n) });
    expect(events.map((e) => e.type)).toEqual(['invoke', 'info']);
    expect(truncated).toEqual([3]);
  });

  it('throws on a malformed line in the middle, naming the line', async () => {
    const path = tempHistory();
    writeFileSync(path, '{"t":1,"wall":"x","type":"mark","name":"a"}\nnot json\n{"t":2,"wall":"x","type":"mark","name":"b"}\n');
    await expect(readHistoryFile(path)).rejects.toThrow(/history\.jsonl:2: not a history event/);
  });
});
