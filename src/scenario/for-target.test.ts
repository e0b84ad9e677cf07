import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.ts';
import { scenarioForTarget } from './for-target.ts';
import { listScenarios } from './load.ts';
import { validateScenario } from './validate.ts';

const SHIPPED = resolve(import.meta.dirname, '../../scenarios');
const TSCONFIG = fileURLToPath(new URL('./scenario-tsconfig.json', import.meta.url));

/** A scenario file's default export as written, before validation. */
async function rawScenario(file: string): Promise<Record<string, unknown>> {
  const module = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url, tsconfig: TSCONFIG })) as { default: Record<string, unknown> };
  return structuredClone(module.default);
}

/** The same scenario with every per-target value taken out: what the file said before per-target values existed. */
function withoutPerTargetValues(raw: Record<string, unknown>): Record<string, unknown> {
  const { byTarget: _scenarioLevel, ...rest } = raw;
  return { ...rest, steps: (rest.steps as Array<Record<string, unknown>>).map(({ byTarget: _stepLevel, ...step }) => step) };
}

const base = {
  name: 'node-fault',
  description: 'a node fault held longer on kind',
  cluster: { synchronous: 'on' },
  workload: { writers: 1, rate: 10 },
  steps: [{ wait: '6s' }, { inject: 'zone-loss', target: 'primary-zone' }, { wait: '22s', byTarget: { kind: '50s' } }, { heal: 'all' }],
  thresholds: ['rto_seconds <= 30', 'lost_writes == 0'],
  byTarget: { kind: { thresholds: ['rto_seconds <= 50', 'phantom_writes == 0'] } },
};

describe('per-target waits and thresholds', () => {
  it('leaves every shipped scenario exactly as it was on the local target', async () => {
    const listings = await listScenarios(SHIPPED);
    expect(listings.length).toBeGreaterThan(10);
    for (const listing of listings) {
      const raw = await rawScenario(listing.file);
      const asWritten = validateScenario(raw, listing.file);
      const before = validateScenario(withoutPerTargetValues(raw), listing.file);
      expect(JSON.stringify(scenarioForTarget(asWritten, 'local')), listing.name).toBe(JSON.stringify(before));
    }
  });

  it("gives kind its own wait and replaces the threshold on the same metric in place, keeping the others", () => {
    const scenario = validateScenario(base, 'node-fault.ts');
    const kind = scenarioForTarget(scenario, 'kind');
    expect(kind.steps[2]).toEqual({ kind: 'wait', ms: 50_000, text: '50s' });
    expect(kind.thresholds.map((t) => t.expression)).toEqual(['rto_seconds <= 50', 'lost_writes == 0', 'phantom_writes == 0']);
    expect(kind).not.toHaveProperty('byTarget');
    // A target the scenario says nothing about runs its own values.
    const kubernetes = scenarioForTarget(scenario, 'kubernetes');
    expect(kubernetes.steps[2]).toEqual({ kind: 'wait', ms: 22_000, text: '22s' });
    expect(kubernetes.thresholds.map((t) => t.expression)).toEqual(['rto_seconds <= 30', 'lost_writes == 0']);
  });

  it('refuses per-target values for the local target and bad ones, before anything starts', () => {
    const refusal = (value: unknown): string => {
      try {
        validateScenario(value, 'node-fault.ts');
      } catch (error) {
        expect(error).toBeInstanceOf(ScenarioError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ ...base, byTarget: { local: { thresholds: [] } } })).toMatch(/byTarget\.local: unknown field; expected one of kind, kubernetes/);
    expect(refusal({ ...base, steps: [{ wait: '6s', byTarget: { kind: 'soon' } }] })).toMatch(/steps\[0\]\.byTarget\.kind/);
    expect(refusal({ ...base, byTarget: { kind: { thresholds: ['rto <= 5'] } } })).toMatch(/byTarget\.kind\.thresholds\[0\].*unknown metric "rto"/);
  });
});
