import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/history/events.ts';
import { verdictExitCode } from '../../src/judge/verdict.ts';
import { TeardownStack } from '../../src/lifecycle/teardown-stack.ts';
import { silentProgress } from '../../src/progress/progress.ts';
import { readHistoryFile } from '../../src/history/reader.ts';
import { runDrill, type DrillOptions } from '../../src/runner/run-drill.ts';
import { heal, inject, wait } from '../../src/scenario/define.ts';
import type { LoadedScenario } from '../../src/scenario/load.ts';
import type { FaultTarget, ScenarioFaultKind } from '../../src/scenario/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import type { FaultPrimitives } from '../../src/targets/fault-primitives.ts';
import { localDriver } from '../../src/targets/local/local-driver.ts';
import type { LocalTarget } from '../../src/targets/local/local-target.ts';
import { leftovers, useTempStateDir } from '../support/stack.ts';

// A fault that silently does nothing on the real stack must make the drill
// inconclusive (exit 3), never pass; so must a stack that is not healthy
// before its first fault, and then nothing is injected.
useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-witness-'));

function scenario(fault: ScenarioFaultKind, target: FaultTarget): LoadedScenario {
  const input = {
    name: `noop-${fault}`,
    description: `${fault} made a no-op`,
    cluster: { zones: ['a', 'b', 'c'], synchronous: 'on' as const, patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
    workload: { writers: 4, rate: 100 },
    steps: [wait('2s'), inject(fault, { target }), wait('5s'), heal('all')],
    thresholds: ['lost_writes == 0', 'rto_seconds <= 30', 'split_brain_windows == 0'],
  };
  return { scenario: validateScenario(input, 'inline.ts'), file: 'inline.ts', displayFile: 'inline.ts', sha256: '0'.repeat(64) };
}

/** The primitives with the named methods turned into silent no-ops (every other method, observations included, untouched). */
function silenced(faults: FaultPrimitives, methods: readonly string[]): FaultPrimitives {
  return new Proxy(faults, {
    get(target, property, receiver) {
      if (typeof property === 'string' && methods.includes(property)) return async () => undefined;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function drill(loaded: LoadedScenario, hooks: DrillOptions['hooks']) {
  const runId = `w${Math.random().toString(36).slice(2, 8)}`;
  const reportDir = join(reportRoot, runId);
  const { result } = await runDrill({
    loaded,
    target: localDriver.configure({}),
    runId,
    reportDir,
    keep: false,
    progress: silentProgress(),
    signal: new AbortController().signal,
    teardowns: new TeardownStack(),
    hooks,
    timeouts: { steadyState: 20_000, witness: { moment: 10_000, proof: 12_000 } },
  });
  const history: HistoryEvent[] = await readHistoryFile(join(reportDir, 'history.jsonl'));
  return { result, history, runId };
}

describe('witnesses on the local target', () => {
  it.each<[ScenarioFaultKind, FaultTarget, string[]]>([
    ['primary-kill', 'primary', ['killInstance']],
    ['partition', 'primary', ['isolateInstances']],
    ['freeze', 'primary', ['freezeInstance']],
  ])('%s made a no-op is inconclusive (exit 3), never pass', async (fault, target, methods) => {
    const { result, history, runId } = await drill(scenario(fault, target), { primitives: (faults) => silenced(faults, methods) });
    expect(result.verdict).toBe('inconclusive');
    expect(verdictExitCode(result.verdict)).toBe(3);
    expect(result.verdictReasons.join(' ')).toContain('did not take effect');
    expect(history.some((e) => e.type === 'fault-applied')).toBe(false);
    expect(history.find((e) => e.type === 'fault-not-applied')).toBeDefined();
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('a stack that is unhealthy before the first inject is inconclusive, and nothing is injected', async () => {
    const { result, history } = await drill(scenario('primary-kill', 'primary'), {
      // A replica gone before the first step: the configured shape does not hold.
      afterWarmUp: async (target) => {
        const local = target as LocalTarget;
        const replica = (await local.topology()).instances.find((i) => i.role !== 'primary')!;
        await local.container(replica.name).kill();
      },
    });
    expect(result.verdict).toBe('inconclusive');
    expect(verdictExitCode(result.verdict)).toBe(3);
    expect(result.verdictReasons.join(' ')).toContain('not in its steady state');
    expect(history.some((e) => e.type === 'inject')).toBe(false);
    expect(history.find((e) => e.type === 'steady-state')).toMatchObject({ ok: false });
  });
});
