import { analyzeRun } from '../../src/checks/analyze.ts';
import { CannedHistory } from './canned-history.ts';
import type { HistoryEvent } from '../../src/history/events.ts';
import { judgeRun, type RunnerOutcome } from '../../src/judge/judge-run.ts';
import { heal, inject, wait } from '../../src/scenario/define.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { buildRunResult, type RunResultInput } from '../../src/report/build-run-result.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import type { SuiteResult } from '../../src/report/suite-result.ts';

/**
 * A canned drill for reporter tests: a primary kill at 10 s, writes refused
 * and unknown while it lasts, pg-b promoted on timeline 2 at 15 s, one
 * acknowledged write lost, the archiver failing twice, a replica lagging.
 * Reporters must make each of these visible.
 */
export const cannedScenario = validateScenario({
  name: 'primary-kill',
  description: 'Kill the primary under synchronous replication',
  cluster: { synchronous: 'on', patroni: { ttl: 15, loopWait: 5, retryTimeout: 5 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('10s'), inject('primary-kill'), wait('30s'), heal('f1')],
  thresholds: ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0'],
}, 'scenarios/primary-kill.ts');

export function cannedHistory(): HistoryEvent[] {
  const h = new CannedHistory()
    .add(0, { type: 'run-start', runId: 'run-1', scenario: 'primary-kill', target: 'local' })
    .probes('pg-a', 0, 9_750, 250, { role: 'primary', timeline: 1, acceptsWrites: true })
    .probe(10_000, 'pg-a', { reachable: false, error: 'connection refused' })
    .probes('pg-b', 0, 14_750, 250, { role: 'replica', timeline: 1, acceptsWrites: false })
    .probes('pg-b', 15_000, 35_000, 250, { role: 'primary', timeline: 2, acceptsWrites: true })
    .probes('pg-a', 31_000, 35_000, 250, { role: 'replica', timeline: 2, acceptsWrites: false })
    .steadyWrites('w', 0, 9_900, 100, { instance: 'pg-a', timeline: 1 })
    .inject(10_000, 'f1', 'primary-kill', ['pg-a'])
    // The witness saw the kill the moment it was injected; its proof came 50 ms later.
    .applied(10_050, 'f1', 10_000)
    .failingWrites('down', 10_000, 14_500, 500)
    .steadyWrites('v', 15_000, 35_000, 100, { instance: 'pg-b', timeline: 2 })
    .heal(30_000, 'f1');
  for (let i = 0; i < 4; i++) h.write(`u-${i}`, 10_100 + i * 1_000, { info: 11_100 + i * 1_000 });
  for (let s = 0; s <= 35; s++) {
    const primary = s < 10 ? 'pg-a' : 'pg-b';
    const failed = s < 20 ? 0 : s < 25 ? 1 : 2;
    h.add(s * 1_000 + 1, {
      type: 'archive', instance: primary, archivedCount: 8 + Math.floor(s / 4), failedCount: failed,
      lastArchivedWal: '000000010000000000000005', lastArchivedAgeSeconds: 1, walRetainedBytes: 16_777_216,
    });
    for (const replica of s < 10 ? ['pg-b', 'pg-c'] : ['pg-c', ...(s > 31 ? ['pg-a'] : [])]) {
      const lagBytes = replica === 'pg-c' && s >= 16 && s <= 22 ? (s - 15) * 400_000 : 200;
      h.add(s * 1_000 + 2, { type: 'lag', instance: primary, replica, lagBytes, syncState: replica === 'pg-c' ? 'sync' : 'async' });
    }
  }
  return h.events();
}

/** Overrides of the run's input; `analysis` and `outcome` also change the judgement (judged as the runner would). */
export type CannedOverrides = Partial<RunResultInput> & { outcome?: RunnerOutcome };

export async function cannedResult(overrides: CannedOverrides = {}, history = cannedHistory()): Promise<RunResult> {
  const rows = new Set(history.flatMap((e) => (e.type === 'ok' && e.key !== 'w-99' ? [e.key] : [])));
  const { outcome, ...input } = overrides;
  const analysis = 'analysis' in input ? input.analysis ?? null : await analyzeRun(history, { primary: 'pg-b', instances: [{ instance: 'pg-b', keys: rows }] });
  const judgement = judgeRun({ thresholds: cannedScenario.thresholds, analysis, ...(outcome ? { outcome } : {}) });
  return buildRunResult({
    scenario: cannedScenario, scenarioFile: 'scenarios/primary-kill.ts', scenarioSha256: 'ab'.repeat(32),
    target: 'local', runId: 'run-1', startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:01:00.000Z',
    environment: { pgdrill: '0.1.0', node: 'v20.19.0', host: 'drill-host', user: 'sre', postgres: '15.18', patroni: '3.0.2', image: 'pgdrill-node:abc', imageId: 'sha256:' + 'cd'.repeat(32) },
    history, analysis, judgement, commandLine: ['/usr/bin/node', '/opt/pgdrill/bin/pgdrill.js', 'run', 'primary-kill', '--report-dir', 'out'],
    workingDirectory: '/srv/drills', ...input,
  });
}

/**
 * The canned run with PITR evidence: one restore to a mark that misses one
 * acknowledged write and holds one it must not, one restore that failed, and
 * the repository's backups. Reporters must show all of it.
 */
export async function cannedRestoreResult(): Promise<RunResult> {
  const r = await cannedResult();
  r.evidence!.restore = {
    backups: [{ id: '20250101-100000F', type: 'full', startedAt: '2025-01-01T10:00:00Z', finishedAt: '2025-01-01T10:00:04Z' }],
    restores: [{
      name: 'restore-1', target: 'mark before-delete', targetTime: '2025-01-01T10:00:20.000Z', seconds: 3.5,
      rowCount: 1004, checksum: '0cc175b9c0f1b6a831c399e269772661', expectedMin: 1004, expectedMax: 1006,
      missing: { count: 1, items: ['w-42'], truncated: false }, unexpected: { count: 1, items: ['v-7'], truncated: false },
      reached: { timeline: 1, lsn: '0/3000148', lastCommitAt: '2025-01-01T10:00:19.998Z' },
    }],
    failed: [{ name: 'restore-2', error: 'recovery ended before the target was reached' }],
  };
  return r;
}

/** A suite of one canned run, for the suite hooks of reporters. */
export function cannedSuite(): SuiteResult {
  return {
    schemaVersion: 1, kind: 'suite', suiteId: 'abc', verdict: 'fail',
    startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:03:00.000Z', durationSeconds: 180,
    runs: [{ scenario: 'primary-kill', runId: 'run-1', verdict: 'fail', durationSeconds: 60, dir: 'primary-kill-run-1' }],
    notRun: [], distributions: [],
    audit: { host: 'drill-host', user: 'sre', target: 'local', commandLine: ['pgdrill', 'run', 'scenarios/'], workingDirectory: '/srv/drills' },
  };
}
