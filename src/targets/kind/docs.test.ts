import { readdirSync, readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KIND_CAPABILITIES } from '../kube/capabilities.ts';

const root = new URL('../../../', import.meta.url);

describe('the GitHub Actions workflow users copy (docs/github-actions-kind.yml)', () => {
  const workflow = loadYaml<{
    jobs: { drill: { strategy: { matrix: { scenario: string[] } }; steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> } };
  }>(readFileSync(new URL('docs/github-actions-kind.yml', root), 'utf8'));
  const steps = workflow.jobs.drill.steps;

  it('drills only shipped scenarios', () => {
    const shipped = readdirSync(new URL('scenarios/', root)).map((f) => f.replace(/\.ts$/, ''));
    for (const s of workflow.jobs.drill.strategy.matrix.scenario) expect(shipped).toContain(s);
  });

  it('never drills a fault the kind target cannot do (dcs-loss)', () => {
    for (const s of workflow.jobs.drill.strategy.matrix.scenario) expect(s.startsWith('dcs-loss')).toBe(false);
    expect(KIND_CAPABILITIES.has('dcs-loss')).toBe(false);
  });

  it('installs kind and kubectl without a cluster, runs pgdrill on kind, and keeps JUnit and reports on every outcome', () => {
    expect(steps.find((s) => s.uses?.startsWith('helm/kind-action'))?.with).toMatchObject({ install_only: true });
    expect(steps.some((s) => s.run?.includes('pgdrill run ${{ matrix.scenario }} --target kind'))).toBe(true);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact')) as { if?: string; with?: Record<string, unknown> };
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'reports/' } });
    expect(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))).toMatchObject({ if: 'always()', with: { report_paths: 'reports/**/junit.xml' } });
  });
});
