import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plannedWaitMs } from './describe-step.ts';
import { ScenarioError } from './errors.ts';
import { listScenarios, loadScenario } from './load.ts';

const SHIPPED = resolve(import.meta.dirname, '../../scenarios');

/** A folder of scenario files, as a user would keep them next to their own package.json. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-scenarios-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function loadError(fileOrName: string, scenariosDir = SHIPPED): Promise<ScenarioError> {
  try {
    await loadScenario(fileOrName, { scenariosDir, cwd: scenariosDir });
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const e = error as ScenarioError;
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error(`expected ${fileOrName} to fail`);
}

const GOOD = `import { defineScenario, inject, wait } from 'pgdrill';
export default defineScenario({
  name: 'mine',
  description: 'copied from primary-kill',
  cluster: { synchronous: 'on' },
  workload: { writers: 2, rate: 50 },
  steps: [wait('5s'), inject('primary-kill'), wait('20s')],
  thresholds: ['rto_seconds <= 30'],
});
`;

describe('loadScenario', () => {
  it.each(['primary-kill', 'primary-kill-async', 'postgres-crash', 'switchover'])('loads and validates the shipped %s, whose waits stay within a minute', async (name) => {
    const loaded = await loadScenario(name, { scenariosDir: SHIPPED });
    expect(loaded.scenario.name).toBe(name);
    expect(loaded.file).toBe(join(SHIPPED, `${name}.ts`));
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(plannedWaitMs(loaded.scenario.steps)).toBeLessThanOrEqual(60_000);
    expect(loaded.scenario.steps.some((s) => s.kind === 'inject')).toBe(true);
  });

  it('gates the synchronous drills on zero lost writes, and the async one not', async () => {
    const thresholds = async (name: string) => (await loadScenario(name, { scenariosDir: SHIPPED })).scenario.thresholds.map((t) => t.expression);
    expect(await thresholds('primary-kill')).toEqual([
      'rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0', 'phantom_writes == 0', 'unexpected_writes == 0', 'ha_restored_seconds <= 60', 'rto_excess_seconds <= 0',
    ]);
    expect(await thresholds('pitr-bad-delete')).toContain('lost_writes == 0');
    expect(await thresholds('primary-kill-async')).not.toContain('lost_writes == 0');
    expect(await thresholds('switchover')).toContain('rto_seconds <= 15');
  });

  it("loads a user's file by path, importing 'pgdrill' from outside this package", async () => {
    const dir = folder({ 'mine.ts': GOOD });
    const loaded = await loadScenario('./mine.ts', { scenariosDir: SHIPPED, cwd: dir });
    expect(loaded.scenario.name).toBe('mine');
    expect(loaded.displayFile).toBe('mine.ts');
  });

  it('reports a syntax error with its line and column', async () => {
    const dir = folder({ 'broken.ts': "import { defineScenario } from 'pgdrill';\nexport default defineScenario({\n  name: 'x',,\n});\n" });
    const e = await loadError(join(dir, 'broken.ts'));
    expect(e.message).toBe(`${join(dir, 'broken.ts')}: syntax error at line 3, column 12: Expected identifier but found ","`);
  });

  it('reports an unknown scenario name with the known ones', async () => {
    const e = await loadError('primry-kill');
    expect(e.message).toMatch(/^primry-kill: unknown scenario \(did you mean primary-kill\?\); known scenarios: .*postgres-crash, primary-kill, primary-kill-async/);
  });

  it('reports a missing file', async () => {
    expect((await loadError('./nowhere/drill.ts')).message).toBe('./nowhere/drill.ts: no such file');
  });

  it('reports a file that throws, or exports no scenario', async () => {
    const dir = folder({
      'throws.ts': "throw new Error('boom');\n",
      'empty.ts': 'export const x = 1;\n',
      'bad-fault.ts': GOOD.replace("inject('primary-kill')", "inject('primary-kil' as never)"),
    });
    expect((await loadError(join(dir, 'throws.ts'))).message).toMatch(/throws\.ts: failed while loading: boom$/);
    expect((await loadError(join(dir, 'empty.ts'))).message).toMatch(/empty\.ts: \(default export\): expected an object/);
    expect((await loadError(join(dir, 'bad-fault.ts'))).message).toMatch(/bad-fault\.ts: steps\[1\]\.inject: unknown fault kind "primary-kil" \(did you mean primary-kill\?\)/);
  });
});

describe('listScenarios', () => {
  it('lists the shipped drills with their descriptions', async () => {
    const list = await listScenarios(SHIPPED);
    expect(list.map((s) => s.name)).toEqual([
      'archive-failover', 'archive-failover-always', 'dcs-loss', 'dcs-loss-failsafe', 'double-zone-loss', 'freeze', 'freeze-etcd3', 'partition-halves', 'pitr-after-archive-stall',
      'pitr-bad-delete', 'pitr-bad-delete-cluster', 'pitr-latest', 'postgres-crash', 'primary-kill', 'primary-kill-async', 'primary-partition-async',
      'primary-partition-strict', 'replica-kill', 'replica-lag', 'replica-partition', 'rolling-restart', 'stalled-archive', 'switchover', 'zone-loss',
    ]);
    expect(list.every((s) => s.description.length > 20 && s.error === undefined)).toBe(true);
  });

  it('lists a broken file with its error instead of failing the list', async () => {
    const dir = folder({ 'good.ts': GOOD, 'bad.ts': 'export default {};\n' });
    const list = await listScenarios(dir);
    expect(list.map((s) => [s.name, s.error === undefined])).toEqual([['bad', false], ['mine', true]]);
    expect(list[0]?.error).toMatch(/bad\.ts: name: missing/);
  });
});
