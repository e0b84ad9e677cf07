import { describe, expect, it } from 'vitest';
import { heal, inject, mark, restore, switchover, wait, waitHealthy } from './define.ts';
import { describeStep, plannedWaitMs } from './describe-step.ts';
import { ScenarioError } from './errors.ts';
import { validateScenario } from './validate.ts';

const FILE = 'scenarios/my-drill.ts';

function valid(): Record<string, unknown> {
  return {
    name: 'my-drill',
    description: 'a drill',
    cluster: { synchronous: 'on' },
    workload: { writers: 4, rate: 100 },
    steps: [wait('10s'), inject('primary-kill'), wait('30s'), heal('f1')],
    thresholds: ['rto_seconds <= 30', 'lost_writes == 0'],
  };
}

/** The ScenarioError a bad scenario throws. */
function problem(mutate: (s: Record<string, unknown>) => void): ScenarioError {
  const scenario = valid();
  mutate(scenario);
  try {
    validateScenario(scenario, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const e = error as ScenarioError;
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`${FILE}: `)).toBe(true);
    return e;
  }
  throw new Error('expected a ScenarioError');
}

describe('validateScenario', () => {
  it('applies defaults and resolves steps', () => {
    const s = validateScenario(valid(), FILE);
    expect(s.cluster).toEqual({ zones: ['a', 'b', 'c'], synchronous: 'on', dcs: 'per-zone', failsafe: false, etcdApi: 'v2', archive: 'on' });
    expect(s.steps).toEqual([
      { kind: 'wait', ms: 10_000, text: '10s' },
      { kind: 'inject', fault: 'primary-kill', id: 'f1', target: 'primary' },
      { kind: 'wait', ms: 30_000, text: '30s' },
      { kind: 'heal', ids: ['f1'], all: false },
    ]);
    expect(s.thresholds.map((t) => t.expression)).toEqual(['rto_seconds <= 30', 'lost_writes == 0']);
    expect(s.steps.map(describeStep)).toEqual(['wait 10s', 'inject primary-kill (f1) on the primary', 'wait 30s', 'heal f1']);
    expect(plannedWaitMs(s.steps)).toBe(40_000);
  });

  it('resolves heal("all") to the faults still active, and accepts every builder', () => {
    const s = validateScenario({
      ...valid(),
      steps: [inject('postgres-kill', { id: 'crash' }), switchover(), mark('T1'), waitHealthy('60s'), heal('all')],
      thresholds: [],
    }, FILE);
    expect(s.steps.at(-1)).toEqual({ kind: 'heal', ids: ['crash', 'f1'], all: true });
    expect(s.steps[3]).toEqual({ kind: 'wait-healthy', timeoutMs: 60_000, text: '60s' });
  });

  it('reads a stack generation and synchronous quorum, and refuses an unknown generation', () => {
    const s = validateScenario({ ...valid(), cluster: { synchronous: 'quorum', stack: 'debian13' } }, FILE);
    expect(s.cluster).toMatchObject({ synchronous: 'quorum', stack: 'debian13' });
    expect(validateScenario(valid(), FILE).cluster.stack).toBeUndefined();
    expect(problem((sc) => (sc.cluster = { synchronous: 'on', stack: 'debian11' })).message).toBe(
      `${FILE}: cluster.stack: unknown stack generation "debian11" (did you mean debian12?); expected one of debian12, debian13`,
    );
  });

  it('rejects an unknown fault kind, naming the step and the known kinds', () => {
    const e = problem((s) => (s.steps = [wait('1s'), { inject: 'zone-los' }]));
    expect(e.path).toBe('steps[1].inject');
    expect(e.message).toBe(
      `${FILE}: steps[1].inject: unknown fault kind "zone-los" (did you mean zone-loss?); expected one of primary-kill, postgres-kill, switchover, zone-loss, partition, freeze, stalled-archive, dcs-loss, replica-kill, replica-lag, rolling-restart`,
    );
  });

  it('rejects a target the fault cannot take, and a zone the cluster does not have', () => {
    expect(problem((s) => (s.steps = [{ inject: 'zone-loss', target: 'replica' }])).message).toMatch(
      /steps\[0\]\.target: unknown target for zone-loss "replica"; expected one of primary-zone, replica-zones/,
    );
    expect(problem((s) => (s.steps = [{ inject: 'zone-loss', target: 'zone:x' }])).message).toMatch(/zone "x" is not one of the cluster's zones \(a, b, c\)/);
  });

  it('rejects a restore to a mark that was never set', () => {
    expect(problem((s) => (s.steps = [{ mark: 'T1' }, { restore: 'T2' }])).message).toMatch(/steps\[1\]\.restore: no earlier mark is named "T2"/);
  });

  it('reads a restore into a cluster with a drill inside it', () => {
    const scenario: Record<string, unknown> = { ...valid(), thresholds: ['lost_writes == 0'] };
    scenario.steps = [mark('T'), restore('T', { shape: 'cluster', drill: { steps: [wait('5s'), inject('primary-kill', { id: 'k' }), wait('20s'), heal('k')], thresholds: ['rto_seconds <= 30'] } })];
    const step = validateScenario(scenario, FILE).steps[1]!;
    expect(step).toMatchObject({ kind: 'restore', shape: 'cluster', name: 'restore-1', drill: { thresholds: [{ metric: 'rto_seconds' }] } });
    expect(step.kind === 'restore' && step.drill?.steps.map((x) => x.kind)).toEqual(['wait', 'inject', 'wait', 'heal']);
    expect(describeStep(step)).toMatch(/^restore restore-1 to mark T into a cluster, then a drill inside it \(wait 5s, inject primary-kill/);
    expect(validateScenario({ ...valid(), thresholds: ['lost_writes == 0'], steps: [mark('T'), restore('T')] }, FILE).steps[1]).toMatchObject({ shape: 'single' });
  });

  it('rejects a drill inside a single restored instance, an unknown shape, and a restore inside the drill', () => {
    const drill = { steps: [wait('5s')], thresholds: ['lost_writes == 0'] };
    expect(problem((s) => (s.steps = [mark('T'), restore('T', { drill })])).message).toMatch(/steps\[1\]\.drill: a drill inside the restore needs shape: 'cluster'/);
    expect(problem((s) => (s.steps = [mark('T'), { restore: 'T', shape: 'clsuter' }])).message).toMatch(/steps\[1\]\.shape: .*"clsuter".*single, cluster/);
    expect(
      problem((s) => (s.steps = [mark('T'), restore('T', { shape: 'cluster', drill: { steps: [wait('1s'), { restore: 'latest' }], thresholds: [] } })])).message,
    ).toMatch(/steps\[1\]\.drill\.steps\[1\]: a drill inside a restored cluster cannot restore again/);
    expect(
      problem((s) => (s.steps = [mark('T'), restore('T', { shape: 'cluster', drill: { steps: [wait('1s')], thresholds: ['rto_secs <= 3'] } })])).message,
    ).toMatch(/steps\[1\]\.drill\.thresholds/);
  });

  it('rejects a negative duration at its field path', () => {
    const e = problem((s) => (s.steps = [wait('10s'), wait('1s'), { wait: '-5s' }]));
    expect(e.message).toBe(`${FILE}: steps[2].wait: expected a duration such as "250ms", "10s" or "2m", got "-5s"`);
  });

  it('rejects a duration without a unit', () => {
    expect(problem((s) => (s.steps = [{ wait: 10 }])).message).toMatch(/steps\[0\]\.wait: expected a duration .*got 10$/);
  });

  it('rejects an invalid threshold, naming it and the known metrics', () => {
    const e = problem((s) => (s.thresholds = ['rto_seconds <= 30', 'rto <= 30']));
    expect(e.path).toBe('thresholds[1]');
    expect(e.message).toMatch(/thresholds\[1\]: unknown metric "rto".*known metrics: .*rto_seconds/);
    expect(problem((s) => (s.thresholds = ['lost_writes = 0'])).message).toMatch(/thresholds\[0\]: expected "<metric> <op> <number>"/);
  });

  it('rejects unknown fields anywhere, suggesting the near one', () => {
    expect(problem((s) => (s.treshold = [])).message).toBe(`${FILE}: treshold: unknown field (did you mean thresholds?); expected one of name, description, cluster, workload, steps, thresholds, byTarget`);
    expect(problem((s) => (s.cluster = { synchronous: 'on', zone: ['a'] })).message).toMatch(/cluster\.zone: unknown field \(did you mean zones\?\)/);
    expect(problem((s) => (s.steps = [{ inject: 'primary-kill', targt: 'primary' }])).path).toBe('steps[0].targt');
  });

  it('rejects negative or fractional numbers', () => {
    expect(problem((s) => (s.workload = { writers: -1, rate: 100 })).message).toMatch(/workload\.writers: expected a whole number from 1 to 1000 \(writers\), got -1/);
    expect(problem((s) => (s.workload = { writers: 2, rate: -10 })).path).toBe('workload.rate');
    expect(problem((s) => (s.workload = { writers: 2.5, rate: 10 })).path).toBe('workload.writers');
  });

  it('rejects missing required fields and a step written without calling its builder', () => {
    expect(problem((s) => delete s.thresholds).message).toBe(`${FILE}: thresholds: missing; it is required`);
    expect(problem((s) => (s.steps = [wait])).message).toMatch(/steps\[0\]: got the function wait itself; call it, e.g. wait\('10s'\)/);
    expect(problem((s) => (s.steps = [{ wait: '1s', inject: 'primary-kill' }])).message).toMatch(/steps\[0\]: a step has exactly one kind, got wait and inject/);
  });

  it('rejects a heal of a fault never injected or already healed', () => {
    expect(problem((s) => (s.steps = [inject('primary-kill'), heal('f2')])).message).toMatch(/steps\[1\]\.heal: no earlier inject has id "f2" \(did you mean f1\?\); active faults here: f1/);
    expect(problem((s) => (s.steps = [inject('primary-kill'), heal('f1'), heal('f1')])).message).toMatch(/fault "f1" is already healed/);
  });

  it('rejects settings that could never work', () => {
    expect(problem((s) => (s.cluster = { zones: ['a'], synchronous: 'strict' })).path).toBe('cluster.synchronous');
    expect(problem((s) => (s.cluster = { synchronous: 'on', patroni: { ttl: 10, loopWait: 5, retryTimeout: 5 } })).message)
      .toMatch(/cluster\.patroni: expected loopWait \+ 2 × retryTimeout <= ttl/);
    expect(problem((s) => (s.steps = [wait('10s')])).message).toMatch(/thresholds\[0\]: rto_seconds is measured per fault, and no step injects one/);
  });

  it('rejects a default export that is not a scenario', () => {
    expect(() => validateScenario(undefined, FILE)).toThrow(`${FILE}: (default export): expected an object with name, description, cluster, workload, steps, thresholds, got nothing; write \`export default defineScenario({ ... })\``);
  });
});
