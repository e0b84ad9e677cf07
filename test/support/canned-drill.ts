import { analyzeRun } from '../../src/checks/analyze.ts';
import type { HistoryEvent, PhaseName } from '../../src/history/events.ts';
import { judgeRun } from '../../src/judge/judge-run.ts';
import { buildRunResult } from '../../src/report/build-run-result.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import { heal, inject, wait } from '../../src/scenario/define.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { CannedHistory, wallAt } from './canned-history.ts';

/**
 * A drill shaped like a real one on a cold machine (the 244 s run of issue
 * 15): 200 s of provisioning before the first write, the workload from 202 s
 * to 238 s, the primary pg-a killed at 212 s, pg-b promoted at 222.8 s, the
 * first acknowledged write at 223.05 s, pg-c following to timeline 2 a
 * moment later (four labels within a second), the healed pg-a rejoining at
 * 236 s near the plot's right edge, and no lag measured while there was no
 * primary. The report's chart and tables must stay readable on it.
 */
export const cannedDrillScenario = validateScenario({
  name: 'primary-kill',
  description: 'Kill the primary under synchronous replication (a cold machine: long provisioning)',
  cluster: { synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('10s'), inject('primary-kill', { id: 'kill' }), wait('22s'), heal('kill'), wait('4s')],
  thresholds: ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0'],
}, 'scenarios/primary-kill.ts');

const S = 1_000;

function phase(h: CannedHistory, name: PhaseName, from: number, to: number): void {
  h.add(from, { type: 'phase', phase: name, edge: 'begin' }).add(to, { type: 'phase', phase: name, edge: 'end' });
}

export function cannedDrillHistory(): HistoryEvent[] {
  const h = new CannedHistory().add(1, { type: 'run-start', runId: 'cold-1', scenario: 'primary-kill', target: 'local' });
  phase(h, 'provision', 2, 200 * S);
  phase(h, 'warm-up', 200.5 * S, 202 * S);
  phase(h, 'steps', 202 * S, 238 * S);
  phase(h, 'recover', 238 * S, 239 * S);
  phase(h, 'verify', 239 * S, 240 * S);
  phase(h, 'teardown', 240 * S, 244 * S);
  h.add(244 * S, { type: 'run-end', verdict: 'pass' });

  // Probes every 250 ms: pg-a primary until the kill, pg-b promoted at 222.8 s, pg-c and pg-a follow.
  h.probes('pg-a', 200.5 * S, 211.75 * S, 250, { role: 'primary', timeline: 1, acceptsWrites: true });
  h.probes('pg-a', 212 * S, 235.75 * S, 250, { reachable: false, error: 'connection refused' });
  h.probes('pg-a', 236 * S, 240 * S, 250, { role: 'replica', timeline: 2, acceptsWrites: false });
  h.probes('pg-b', 200.5 * S, 222.55 * S, 250, { role: 'replica', timeline: 1, acceptsWrites: false });
  h.probes('pg-b', 222.8 * S, 240 * S, 250, { role: 'primary', timeline: 2, acceptsWrites: true });
  h.probes('pg-c', 200.5 * S, 223.05 * S, 250, { role: 'replica', timeline: 1, acceptsWrites: false });
  h.probes('pg-c', 223.3 * S, 240 * S, 250, { role: 'replica', timeline: 2, acceptsWrites: false });

  // The workload: 100 writes/s before the kill on pg-a, refused while no primary answers, then on pg-b.
  h.steadyWrites('a', 202 * S, 211.99 * S, 10, { instance: 'pg-a', timeline: 1 });
  h.add(202 * S, { type: 'steady-state', ok: true, primary: 'pg-a', instances: ['pg-a', 'pg-b', 'pg-c'], synchronous: true, checks: ['pg-a primary, pg-b and pg-c streaming on timeline 1'] });
  h.add(212 * S, { type: 'inject', fault: 'kill', kind: 'primary-kill', targets: ['pg-a'], primary: 'pg-a' });
  h.add(212.1 * S, {
    type: 'fault-applied', fault: 'kill', at: { t: 212.05 * S, wall: wallAt(212.05 * S) }, witness: 'canned witness: pg-a no longer answers', dated: 'by-observation',
    expected: { maxSeconds: 17, basis: 'ttl 10 s + loop_wait 2 s + 2 s for the leader race and promotion + HAProxy 3 s' },
  });
  for (let i = 0; i < 4; i++) h.write(`lost-${i}`, 211.995 * S + i, { info: 213 * S + i * 100 });
  h.failingWrites('down', 212.2 * S, 222.95 * S, 50);
  h.steadyWrites('b', 223 * S, 238 * S, 10, { instance: 'pg-b', timeline: 2 });
  h.heal(234 * S, 'kill');

  for (let s = 202; s <= 238; s++) {
    const t = s * S;
    const primary = s < 212 ? 'pg-a' : 'pg-b';
    // No primary from 212 s to 223 s: nothing reports lag or the archiver.
    if (s >= 212 && s <= 223) continue;
    h.add(t + 1, {
      type: 'archive', instance: primary, archivedCount: 10 + s, failedCount: s < 228 ? 0 : s < 232 ? 1 : 3,
      lastArchivedWal: '000000020000000000000009', lastArchivedAgeSeconds: 1, walRetainedBytes: 16_777_216,
    });
    const replicas = s < 212 ? ['pg-b', 'pg-c'] : ['pg-c', ...(s >= 236 ? ['pg-a'] : [])];
    for (const replica of replicas) {
      // pg-c catches up after the promotion: a few MiB behind for a moment.
      const lagBytes = replica === 'pg-c' && s >= 224 && s <= 227 ? (228 - s) * 1_500_000 : replica === 'pg-a' ? 4_096 : 800;
      h.add(t + 2, { type: 'lag', instance: primary, replica, lagBytes, syncState: replica === 'pg-c' ? 'sync' : 'async', state: 'streaming' });
    }
  }
  return h.events();
}

/** The cold drill as a RunResult, judged as the runner would (every acknowledged write read back: a pass). */
export async function cannedDrillResult(): Promise<RunResult> {
  const history = cannedDrillHistory();
  const rows = new Set(history.flatMap((e) => (e.type === 'ok' ? [e.key] : [])));
  const analysis = await analyzeRun(history, { primary: 'pg-b', instances: [{ instance: 'pg-b', keys: rows }, { instance: 'pg-c', keys: rows }, { instance: 'pg-a', keys: rows }] });
  const judgement = judgeRun({ thresholds: cannedDrillScenario.thresholds, analysis });
  return buildRunResult({
    scenario: cannedDrillScenario, scenarioFile: 'scenarios/primary-kill.ts', scenarioSha256: 'ef'.repeat(32),
    target: 'local', runId: 'cold-1', startedAt: wallAt(0), finishedAt: wallAt(244 * S),
    environment: { pgdrill: '0.1.0', node: 'v20.19.0', host: 'ci-runner-7', user: 'runner', postgres: '15.18', patroni: '3.0.2', image: 'pgdrill-node:abc', imageId: 'sha256:' + 'cd'.repeat(32) },
    history, analysis, judgement, commandLine: ['pgdrill', 'run', 'primary-kill'], workingDirectory: '/home/runner/work',
  });
}
