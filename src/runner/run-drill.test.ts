/**
 * The runner's phases on a target without Docker (test/support/fake-target.ts:
 * one real PostgreSQL server whose "kill" stops it for real), so every
 * verdict the runner can reach is reached here by the runner itself: a
 * pass, a broken threshold, a stack that is not healthy, a fault the
 * target cannot do, an interrupt in the middle of a step, and a restore.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../errors.ts';
import type { HistoryEvent } from '../history/events.ts';
import { TeardownStack } from '../lifecycle/teardown-stack.ts';
import { silentProgress } from '../progress/progress.ts';
import { heal, inject, mark, restore, sql, wait, waitHealthy } from '../scenario/define.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import type { ScenarioInput } from '../scenario/types.ts';
import { validateScenario } from '../scenario/validate.ts';
import { fakeTarget, type FakeTargetOptions } from '../../test/support/fake-target.ts';
import { runDrill, type DrillOutcome } from './run-drill.ts';

const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-runner-test-'));

function scenario(overrides: Partial<ScenarioInput>): LoadedScenario {
  const input: ScenarioInput = {
    name: 'runner-test',
    description: 'a drill on the fake target',
    cluster: { zones: ['a'], synchronous: 'off' },
    workload: { writers: 2, rate: 50 },
    steps: [wait('1s')],
    thresholds: ['lost_writes == 0'],
    ...overrides,
  };
  return { scenario: validateScenario(input, 'runner-test.ts'), file: '/nowhere/runner-test.ts', displayFile: 'runner-test.ts', sha256: 'f'.repeat(64) };
}

async function drill(input: Partial<ScenarioInput>, fake: FakeTargetOptions | ReturnType<typeof fakeTarget> = {}, signal = new AbortController().signal) {
  const { target, log } = 'target' in fake ? fake : fakeTarget(fake);
  const teardowns = new TeardownStack();
  const runId = `r${Math.random().toString(36).slice(2, 8)}`;
  const reportDir = join(reportRoot, runId);
  const outcome: DrillOutcome = await runDrill({
    loaded: scenario(input),
    target,
    runId,
    reportDir,
    keep: false,
    progress: silentProgress(),
    signal,
    teardowns,
    timeouts: { warmUp: 15_000, settle: 6_000, steadyState: 4_000, recoveryEnd: 8_000, witness: { moment: 5_000, proof: 5_000, healed: 10_000 } },
  });
  const history = readFileSync(join(reportDir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HistoryEvent);
  return { ...outcome, log, history, teardowns };
}

describe('runDrill on the fake target', () => {
  it("runs the waits and thresholds a scenario gives the target it runs on (a kind target here), and the scenario's own elsewhere", async () => {
    const perTarget: Partial<ScenarioInput> = {
      steps: [wait('3s', { kind: '200ms' })],
      thresholds: ['lost_writes == 0'],
      byTarget: { kind: { thresholds: ['lost_writes <= 1'] } },
    };
    const onKind = fakeTarget();
    Object.assign(onKind.target, { kind: 'kind' });
    const { result } = await drill(perTarget, onKind);
    expect(result.configuration.steps).toEqual(['wait 200ms']);
    expect(result.configuration.thresholds).toEqual(['lost_writes <= 1']);
  });

  it('passes a primary kill that the stack recovers from, measuring RTO from real writes, and removes the stack', async () => {
    const { result, log, history, reportDir } = await drill({
      steps: [wait('1s'), inject('primary-kill'), wait('2s'), heal('f1'), waitHealthy('20s'), wait('1s')],
      thresholds: ['lost_writes == 0', 'rto_seconds <= 30', 'split_brain_windows == 0'],
    });
    expect(result.verdict).toBe('pass');
    expect(result.verdictReasons).toEqual([]);
    expect(log.kills).toEqual(['pg-a']);
    expect(log.starts).toEqual(['pg-a']);
    expect(log.tornDown).toBe(1);
    // The server was down for the 2 s wait: recovery cannot have come sooner.
    expect(result.metrics.rto_seconds).toBeGreaterThan(1.5);
    expect(result.metrics.writes_ok).toBeGreaterThan(50);
    expect(result.metrics.lost_writes).toBe(0);
    expect(result.faults).toMatchObject([{ id: 'f1', kind: 'primary-kill', targets: ['pg-a'], healOutcome: 'healed' }]);
    // Proven by its witness, and the return of the one-instance shape measured.
    expect(result.rto[0]?.witness).toMatch(/^pg-a: server start #1 gone; pg-a's postmaster does not answer/);
    expect(result.metrics.ha_restored_seconds).toBeGreaterThan(1.5);
    expect(history.find((e) => e.type === 'heal-verified')).toMatchObject({ confirmed: true });
    expect(history.find((e) => e.type === 'steady-state')).toMatchObject({ ok: true, primary: 'pg-a' });
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['inject', 'fault-applied', 'heal', 'run-end']));
    expect(readFileSync(join(reportDir, 'report.json'), 'utf8')).toContain('"verdict": "pass"');
  });

  it('fails when a threshold breaks, and says which', async () => {
    const { result } = await drill({
      steps: [wait('1s'), inject('primary-kill'), wait('1s'), heal('f1'), waitHealthy('20s'), wait('2s')],
      thresholds: ['rto_seconds <= 0.1'],
    });
    expect(result.verdict).toBe('fail');
    expect(result.verdictReasons).toEqual([expect.stringMatching(/^rto_seconds <= 0.1 failed: rto_seconds = \d/)]);
  });

  it('is inconclusive when the stack is not in its steady state before the first step, injects nothing, and still removes it', async () => {
    const { result, log, history } = await drill(
      { steps: [inject('primary-kill'), waitHealthy('2s')], thresholds: ['lost_writes == 0'] },
      { topology: () => ({ primary: null, instances: [{ name: 'pg-a', zone: 'a', role: 'unknown', state: 'stopped', timeline: null, lagBytes: null }] }) },
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.verdictReasons.join(' ')).toContain('the stack was not in its steady state within 4s, so nothing was injected: no primary');
    expect(history.some((e) => e.type === 'inject')).toBe(false);
    expect(log.kills).toEqual([]);
    expect(log.tornDown).toBe(1);
  });

  it('is inconclusive when the topology lists a replica that is not streaming (a DCS entry outliving its member)', async () => {
    const { result, history } = await drill(
      { cluster: { zones: ['a', 'b'], synchronous: 'off' }, steps: [inject('primary-kill'), waitHealthy('2s')], thresholds: ['lost_writes == 0'] },
      {
        topology: () => ({
          primary: 'pg-a',
          instances: [
            { name: 'pg-a', zone: 'a', role: 'primary', state: 'running', timeline: 1, lagBytes: 0 },
            { name: 'pg-b', zone: 'b', role: 'replica', state: 'streaming', timeline: 1, lagBytes: 0 },
          ],
        }),
      },
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.verdictReasons.join(' ')).toContain('pg-b not streaming from the primary (pg_stat_replication)');
    expect(history.some((e) => e.type === 'inject')).toBe(false);
  });

  it('is inconclusive when a fault silently does nothing, never a pass', async () => {
    const fake = fakeTarget({ noOpKill: true });
    const { result, history } = await drill({ steps: [wait('1s'), inject('primary-kill'), wait('2s'), heal('f1')], thresholds: ['rto_seconds <= 30', 'lost_writes == 0'] }, fake);
    expect(result.verdict).toBe('inconclusive');
    expect(result.verdictReasons.join(' ')).toContain('fault f1 (primary-kill pg-a) did not take effect');
    expect(history.some((e) => e.type === 'fault-applied')).toBe(false);
    expect(fake.log.kills).toEqual(['pg-a']);
  });

  it('is inconclusive when the stack never comes up, with the reason', async () => {
    const { result, log } = await drill({}, { startError: new InfrastructureError('the Patroni cluster did not become healthy within 90s: no leader') });
    expect(result.verdict).toBe('inconclusive');
    expect(result.verdictReasons).toEqual(['the Patroni cluster did not become healthy within 90s: no leader']);
    expect(log.tornDown).toBe(1);
  });

  it('skips a scenario whose fault the target cannot do, before provisioning anything', async () => {
    const { result, log } = await drill({ steps: [inject('primary-kill'), wait('1s')] }, { withoutInstanceKill: true });
    expect(result.verdict).toBe('skipped');
    expect(result.verdictReasons).toEqual(['the local target cannot perform the primary-kill fault']);
    expect(log.started).toBe(0);
  });

  it('skips a restore on a target without a backup repository', async () => {
    const { result, log } = await drill({ steps: [mark('T1'), wait('1s'), restore('T1')] }, { withoutBackups: true });
    expect(result.verdict).toBe('skipped');
    expect(result.verdictReasons[0]).toContain('has no backup repository (restore steps)');
    expect(log.started).toBe(0);
  });

  it('heals every active fault when interrupted in the middle of a step, and reports interrupted', async () => {
    const controller = new AbortController();
    const fake = fakeTarget();
    const running = drill({ steps: [wait('1s'), inject('primary-kill'), wait('60s'), heal('f1')] }, fake, controller.signal);
    // Abort once the fault is in: the 60 s wait is then under way.
    const deadline = performance.now() + 30_000;
    while (fake.log.kills.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    controller.abort(new Error('SIGINT'));
    const started = performance.now();
    const { result, log, history } = await running;
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(result.verdict).toBe('interrupted');
    expect(log.kills).toEqual(['pg-a']);
    expect(log.starts).toEqual(['pg-a']);
    expect(history.filter((e) => e.type === 'heal')).toMatchObject([{ fault: 'f1', outcome: 'healed' }]);
    expect(log.tornDown).toBe(1);
  });

  it('restores to a mark and checks the restored rows against the ledger', async () => {
    const { result, log } = await drill({
      steps: [wait('1s'), mark('before-delete'), sql("DELETE FROM pgdrill_writes WHERE writer = 0"), wait('1s'), restore('before-delete')],
      thresholds: ['restore_missing_writes == 0', 'restore_unexpected_writes == 0'],
    });
    expect(log.restores).toEqual(['restore-1']);
    expect(result.verdictReasons).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(result.metrics.restore_expected_min).toBeGreaterThan(10);
    expect(result.metrics.restore_row_count).toBeGreaterThanOrEqual(result.metrics.restore_expected_min!);
    expect(result.metrics.restore_row_count).toBeLessThanOrEqual(result.metrics.restore_expected_max!);
    expect(result.evidence?.restore.restores[0]).toMatchObject({ name: 'restore-1', missing: { count: 0 }, unexpected: { count: 0 } });
    // The DELETE's rows are the scenario's own doing: counted apart, never as lost writes.
    expect(result.metrics.deleted_by_scenario).toBeGreaterThan(5);
    expect(result.metrics.lost_writes).toBe(0);
  });

  it('is inconclusive, never a pass, when a cluster restore cannot say when its replicas stream or run the drill inside it', async () => {
    const { result } = await drill({
      steps: [wait('1s'), mark('T'), wait('1s'), restore('T', { shape: 'cluster', drill: { steps: [wait('1s')], thresholds: ['lost_writes == 0'] } })],
      thresholds: ['restore_missing_writes == 0', 'restore_ha_seconds <= 60', 'restored_drill_failures == 0'],
    });
    expect(result.metrics.restore_missing_writes).toBe(0);
    expect(result.metrics.restore_ha_seconds).toBeNull();
    expect(result.metrics.restored_drill_failures).toBeNull();
    expect(result.verdict).toBe('inconclusive');
    expect(result.verdictReasons.join('; ')).toMatch(/cannot tell when a restored cluster's replicas stream/);
    expect(result.verdictReasons.join('; ')).toMatch(/the drill inside restore-1 was inconclusive: the local target cannot run a drill inside a restored cluster/);
  });
});
