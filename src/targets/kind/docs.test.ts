import { readdirSync, readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FAULT_CATALOGUE } from '../../faults/catalogue.ts';
import { CNPG_SUPPORTED_KUBERNETES } from '../kube/cnpg.ts';
import { kindDriver } from './kind-driver.ts';
import { KIND_DEFAULT_KUBERNETES, MINIMUM_VERSIONS, older } from './prerequisites.ts';

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
    expect(kindDriver.configure({}).capabilities().primitives.has(FAULT_CATALOGUE['dcs-loss'].primitives)).toBe(false);
  });

  // kind's pkg/apis/config/defaults/image.go (default node image per release) and CloudNativePG 1.30's
  // docs/src/supported_releases.md (Kubernetes 1.34 to 1.36).
  it('installs a kind whose default node image runs a Kubernetes CloudNativePG 1.30 supports, and a kubectl within one minor of it', () => {
    const kindAction = steps.find((s) => s.uses?.startsWith('helm/kind-action'))!.with as { version: string; kubectl_version: string };
    const kind = kindAction.version.replace(/^v/, '');
    expect(older(kind, MINIMUM_VERSIONS.kind)).toBe(false);
    const kubernetes = KIND_DEFAULT_KUBERNETES[kind];
    expect(kubernetes, `kind ${kind}'s default node image is not known to pgdrill`).toBeDefined();
    const minor = (v: string): number => Number(v.replace(/^v/, '').split('.')[1]);
    expect(CNPG_SUPPORTED_KUBERNETES).toContain(`1.${minor(kubernetes!)}`);
    expect(Math.abs(minor(kindAction.kubectl_version) - minor(kubernetes!))).toBeLessThanOrEqual(1);
  });

  it('installs kind and kubectl without a cluster, runs pgdrill on kind, and keeps JUnit and reports on every outcome', () => {
    expect(steps.find((s) => s.uses?.startsWith('helm/kind-action'))?.with).toMatchObject({ install_only: true });
    expect(steps.some((s) => s.run?.includes('pgdrill run ${{ matrix.scenario }} --target kind'))).toBe(true);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact')) as { if?: string; with?: Record<string, unknown> };
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'reports/' } });
    expect(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))).toMatchObject({ if: 'always()', with: { report_paths: 'reports/**/junit.xml' } });
  });
});
