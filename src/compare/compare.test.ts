import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannedResult } from '../../test/support/canned-run.ts';
import type { RunResult } from '../report/run-result.ts';
import { runCli } from '../../test/support/cli.ts';
import { compareRuns, parseTolerances, renderComparisonMarkdown } from './compare.ts';
import { loadRuns } from './load-runs.ts';

async function run(changes: Partial<RunResult['metrics']> = {}, verdict: RunResult['verdict'] = 'pass', scenario = 'primary-kill'): Promise<RunResult> {
  const r = await cannedResult();
  r.scenario = scenario;
  r.verdict = verdict;
  r.metrics = { ...r.metrics, lost_writes: 0, ...changes };
  return r;
}

describe('compare', () => {
  it('flags an RTO worse than its tolerance, and lets noise within it pass', async () => {
    const a = await run({ rto_seconds: 10 });
    const slower = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [await run({ rto_seconds: 20.5 })] });
    expect(slower.regressions).toBe(1);
    expect(slower.scenarios[0]!.reasons).toEqual(['rto_seconds went from 10 s to 20.5 s (+10.5 s, tolerance 1 s or 20%)']);
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
      'lost_writes went from 0 to 1 write (+1 write, tolerance 0 writes)',
      'rto_seconds went from 10 s to 14 s (+4 s, tolerance 1 s or 20%)',
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
    expect(result.scenarios[0]!.reasons).toEqual(['verdict was pass in A, fail in B', 'rto_seconds was 10 s in A and has no value in B (unbounded: never recovered)']);
    expect(result.scenarios[1]!.reasons).toEqual(['switchover was run in A but not in B']);
    const md = renderComparisonMarkdown(result);
    expect(md).toMatch(/^# pgdrill compare: ❌ 2 scenario\(s\) regressed/);
    expect(md).toContain('| `rto_seconds` | 10 s | — | — | 1 s or 20% | ❌ regression |');
  });

  it('pairs the newest run of each scenario when one side holds several, and names the runs set aside', async () => {
    const older = await run({ rto_seconds: 40 });
    older.runId = 'old-1';
    older.startedAt = '2025-01-01T08:00:00.000Z';
    const newest = await run({ rto_seconds: 10 });
    newest.runId = 'new-3';
    newest.startedAt = '2025-01-01T12:00:00.000Z';
    const middle = await run({ rto_seconds: 30 });
    middle.runId = 'mid-2';
    middle.startedAt = '2025-01-01T10:00:00.000Z';
    const candidate = await run({ rto_seconds: 10.5 });
    candidate.runId = 'cand-1';
    const result = compareRuns({ label: 'A', runs: [older, newest, middle] }, { label: 'B', runs: [candidate] });
    expect(result.scenarios.map((s) => s.scenario)).toEqual(['primary-kill']);
    expect(result.scenarios[0]!.a).toMatchObject({ runId: 'new-3' });
    expect(result.regressions).toBe(0);
    expect(result.setAside).toEqual([
      { side: 'A', scenario: 'primary-kill', runId: 'mid-2', startedAt: '2025-01-01T10:00:00.000Z' },
      { side: 'A', scenario: 'primary-kill', runId: 'old-1', startedAt: '2025-01-01T08:00:00.000Z' },
    ]);
    expect(renderComparisonMarkdown(result)).toContain('A holds 3 runs of primary-kill: compared the newest (new-3, started 2025-01-01T12:00:00.000Z); set aside mid-2, old-1');
  });

  it('warns when A and B hold the same run: it is compared with itself', async () => {
    const same = await run({ rto_seconds: 10 });
    same.runId = 'same-run';
    const result = compareRuns({ label: 'A', runs: [same] }, { label: 'B', runs: [same] });
    expect(result.regressions).toBe(0);
    expect(result.sameRuns).toEqual([{ scenario: 'primary-kill', runId: 'same-run' }]);
    expect(renderComparisonMarkdown(result)).toContain('⚠️ primary-kill: A and B are the same run (same-run), compared with itself');
  });

  it('prints tolerances in the metric\'s unit', async () => {
    const a = await run({ rto_seconds: 10, replication_lag_max_bytes: 1_000_000, archive_failed_count: 0 });
    const b = await run({ rto_seconds: 20, replication_lag_max_bytes: 40_000_000, archive_failed_count: 9 });
    const result = compareRuns({ label: 'A', runs: [a] }, { label: 'B', runs: [b] });
    expect(result.scenarios[0]!.reasons).toEqual(expect.arrayContaining([
      'rto_seconds went from 10 s to 20 s (+10 s, tolerance 1 s or 20%)',
      'replication_lag_max_bytes went from 976.6 KiB to 38.1 MiB (+37.2 MiB, tolerance 16 MiB or 50%)',
      'archive_failed_count went from 0 to 9 failures (+9 failures, tolerance 5 failures or 50%)',
    ]));
    const md = renderComparisonMarkdown(result);
    expect(md).toContain('| `replication_lag_max_bytes` | 976.6 KiB | 38.1 MiB | +37.2 MiB | 16 MiB or 50% | ❌ regression |');
    expect(md).toContain('| `lost_writes` | 0 | 0 | 0 | 0 writes | = same |');
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

    it('compare <a --report-dir with several runs of a scenario> <one run>: the newest is paired, no "not in B"', async () => {
      for (const [n, rto] of [[1, 40], [2, 35], [3, 10]] as const) {
        const r = await run({ rto_seconds: rto });
        r.runId = `run-${n}`;
        r.startedAt = `2025-01-0${n}T10:00:00.000Z`;
        write(`many/primary-kill-run-${n}`, r);
      }
      const candidate = await run({ rto_seconds: 10.2 });
      candidate.runId = 'cand-1';
      write('one', candidate);
      const result = await runCli(['compare', join(root, 'many'), join(root, 'one')]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^# pgdrill compare: ✅ no regression/);
      expect(result.stdout).toContain('A holds 3 runs of primary-kill: compared the newest (run-3, started 2025-01-03T10:00:00.000Z); set aside run-2, run-1');
      expect(result.stdout).not.toContain('not in B');
    }, 30_000);

    it('exits 1 on a regression with Markdown or JSON, 0 for a run against itself, 2 on bad input', async () => {
      write('fast', await run({ rto_seconds: 10 }));
      write('slow', await run({ rto_seconds: 21 }));
      writeFileSync(join(root, 'garbage.json'), '{"scenario": 1');
      const slow = await runCli(['compare', join(root, 'fast'), join(root, 'slow')]);
      expect(slow.code).toBe(1);
      expect(slow.stdout).toContain('| `rto_seconds` | 10 s | 21 s | +11 s | 1 s or 20% | ❌ regression |');
      const json = await runCli(['compare', '--json', '--tolerance', 'rto_seconds=12', join(root, 'fast'), join(root, 'slow')]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ regressions: 0, scenarios: [{ scenario: 'primary-kill', regression: false }] });
      const itself = await runCli(['compare', join(root, 'fast'), join(root, 'fast')]);
      expect(itself.code).toBe(0);
      expect(itself.stderr).toMatch(/^pgdrill: warning: primary-kill: A and B are the same run \(run-1\), compared with itself/);
      const strict = await runCli(['compare', '--strict', join(root, 'fast'), join(root, 'fast')]);
      expect(strict.code).toBe(2);
      expect(strict.stderr).toMatch(/same run \(run-1\)/);
      for (const args of [['compare', join(root, 'fast'), join(root, 'nope')], ['compare', join(root, 'fast'), join(root, 'garbage.json')], ['compare', join(root, 'fast')], ['compare', '--tolerance', 'x=1', join(root, 'fast'), join(root, 'fast')]]) {
        const bad = await runCli(args);
        expect(bad.code, args.join(' ')).toBe(2);
        expect(bad.stderr.trim().split('\n'), bad.stderr).toHaveLength(1);
        expect(bad.stdout).toBe('');
      }
    }, 90_000);
  });
});
