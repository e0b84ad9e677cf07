import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../checks/metric-names.ts';
import { cannedResult } from '../report/canned-run.ts';
import type { RunResult } from '../report/run-result.ts';
import { runCli } from '../../test/support/cli.ts';
import { compareRuns, METRIC_RULES, parseTolerances, renderComparisonMarkdown } from './compare.ts';
import { loadRuns } from './load-runs.ts';

async function run(changes: Partial<RunResult['metrics']> = {}, verdict: RunResult['verdict'] = 'pass', scenario = 'primary-kill'): Promise<RunResult> {
  const r = await cannedResult();
  r.scenario = scenario;
  r.verdict = verdict;
  r.metrics = { ...r.metrics, lost_writes: 0, ...changes };
  return r;
}

describe('compare', () => {
  it('names a direction for every metric, so no new metric is gated or ignored by accident', () => {
    expect(METRIC_NAMES.filter((m) => METRIC_RULES[m] === undefined)).toEqual([]);
  });

  it('flags an RTO worse than its tolerance, and lets noise within it pass', async () => {
    const a = await run({ rto_seconds: 10 });
    const slower = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [await run({ rto_seconds: 20.5 })] });
    expect(slower.regressions).toBe(1);
    expect(slower.scenarios[0]!.reasons).toEqual(['rto_seconds went from 10 to 20.5 (+10.5, tolerance 1 or 20%)']);
    expect(slower.scenarios[0]!.metrics.find((m) => m.metric === 'rto_seconds')).toMatchObject({ a: 10, b: 20.5, difference: 10.5, status: 'regression' });
    const noisy = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [await run({ rto_seconds: 11.9 })] });
    expect(noisy.regressions).toBe(0);
    expect(noisy.scenarios[0]!.metrics.find((m) => m.metric === 'rto_seconds')!.status).toBe('within-tolerance');
    const faster = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [await run({ rto_seconds: 4 })] });
    expect(faster.scenarios[0]!.metrics.find((m) => m.metric === 'rto_seconds')!.status).toBe('improvement');
  });

  it('tolerates no lost write, treats write volume as informational, and honours --tolerance', async () => {
    const a = await run({ rto_seconds: 10, writes_ok: 5000 });
    const b = await run({ rto_seconds: 14, writes_ok: 100, lost_writes: 1 });
    const result = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [b] }, parseTolerances(['rto_seconds=5', 'lost_writes=1']));
    expect(result.regressions).toBe(0);
    expect(compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [b] }).scenarios[0]!.reasons).toEqual([
      'lost_writes went from 0 to 1 (+1, tolerance 0)',
      'rto_seconds went from 10 to 14 (+4, tolerance 1 or 20%)',
    ]);
    expect(parseTolerances(['rto_seconds=50%'])).toEqual({ rto_seconds: { absolute: 0, relative: 0.5 } });
    expect(() => parseTolerances(['writes_ok=5'])).toThrow(/writes_ok is informational/);
    expect(() => parseTolerances(['rto_secnds=5'])).toThrow(/unknown metric "rto_secnds" \(did you mean rto_seconds\?\)/);
    expect(() => parseTolerances(['rto_seconds<5'])).toThrow(/metric=number/);
  });

  it('flags a pass that became a failure, a value B could not measure, and a scenario B did not run', async () => {
    const b = await run({ rto_seconds: null }, 'fail');
    b.unmeasured = {};
    const result = compareRuns(
      { label: 'A', runs: [await run({ rto_seconds: 10 }), await run({}, 'pass', 'switchover')] },
      { label: 'B', runs: [b] },
    );
    expect(result.regressions).toBe(2);
    expect(result.scenarios[0]!.reasons).toEqual(['verdict was pass in A, fail in B', 'rto_seconds was 10 in A and has no value in B (unbounded: never recovered)']);
    expect(result.scenarios[1]!.reasons).toEqual(['switchover was run in A but not in B']);
    const md = renderComparisonMarkdown(result);
    expect(md).toMatch(/^# pgdrill compare: ❌ 2 scenario\(s\) regressed/);
    expect(md).toContain('| `rto_seconds` | 10 s | — | — | 1 or 20% | ❌ regression |');
  });

  describe('loading runs and suites; the CLI', () => {
    const root = mkdtempSync(join(tmpdir(), 'pgdrill-compare-'));
    const write = (dir: string, r: RunResult) => {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, 'report.json'), JSON.stringify(r));
    };

    it('reads a run folder, a suite folder and a folder of runs', async () => {
      write('run-a', await run({ rto_seconds: 10 }));
      write('suite-x/primary-kill-1', await run({ rto_seconds: 10 }));
      write('suite-x/switchover-2', await run({}, 'pass', 'switchover'));
      writeFileSync(join(root, 'suite-x', 'suite.json'), JSON.stringify({ kind: 'suite', runs: [{ dir: 'primary-kill-1' }, { dir: 'switchover-2' }] }));
      expect((await loadRuns(join(root, 'run-a'))).map((r) => r.scenario)).toEqual(['primary-kill']);
      expect((await loadRuns(join(root, 'suite-x'))).map((r) => r.scenario)).toEqual(['primary-kill', 'switchover']);
      // A --report-dir of runs, no suite.json: every run folder in it.
      rmSync(join(root, 'suite-x', 'suite.json'));
      expect((await loadRuns(join(root, 'suite-x'))).map((r) => r.scenario)).toEqual(['primary-kill', 'switchover']);
    });

    it('exits 1 on a regression with Markdown or JSON, 0 for a run against itself, 2 on bad input', async () => {
      write('fast', await run({ rto_seconds: 10 }));
      write('slow', await run({ rto_seconds: 21 }));
      writeFileSync(join(root, 'garbage.json'), '{"scenario": 1');
      const slow = await runCli(['compare', join(root, 'fast'), join(root, 'slow')]);
      expect(slow.code).toBe(1);
      expect(slow.stdout).toContain('| `rto_seconds` | 10 s | 21 s | +11 s | 1 or 20% | ❌ regression |');
      const json = await runCli(['compare', '--json', '--tolerance', 'rto_seconds=12', join(root, 'fast'), join(root, 'slow')]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ regressions: 0, scenarios: [{ scenario: 'primary-kill', regression: false }] });
      expect((await runCli(['compare', join(root, 'fast'), join(root, 'fast')])).code).toBe(0);
      for (const args of [['compare', join(root, 'fast'), join(root, 'nope')], ['compare', join(root, 'fast'), join(root, 'garbage.json')], ['compare', join(root, 'fast')], ['compare', '--tolerance', 'x=1', join(root, 'fast'), join(root, 'fast')]]) {
        const bad = await runCli(args);
        expect(bad.code, args.join(' ')).toBe(2);
        expect(bad.stderr.trim().split('\n'), bad.stderr).toHaveLength(1);
        expect(bad.stdout).toBe('');
      }
    }, 90_000);
  });
});
