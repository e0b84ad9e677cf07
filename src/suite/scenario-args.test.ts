import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandScenarioArgs } from './scenario-args.ts';

describe('scenario arguments', () => {
  it('expands a folder to its scenario files in name order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-scenarios-'));
    for (const f of ['b.ts', 'a.mts', 'notes.md', 'c.test.ts']) writeFileSync(join(dir, f), '');
    mkdirSync(join(dir, 'empty'));
    expect(await expandScenarioArgs([dir])).toEqual({ scenarios: [join(dir, 'a.mts'), join(dir, 'b.ts')], isSuite: true });
    expect(await expandScenarioArgs(['primary-kill'])).toEqual({ scenarios: ['primary-kill'], isSuite: false });
    expect(await expandScenarioArgs(['primary-kill', 'switchover'])).toEqual({ scenarios: ['primary-kill', 'switchover'], isSuite: true });
    await expect(expandScenarioArgs([join(dir, 'empty')])).rejects.toThrow(/no scenario file/);
  });
});
