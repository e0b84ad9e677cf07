import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../errors.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { hostCommandRunner } from '../kube/command-runner.ts';
import { CNPG_SUPPORTED_KUBERNETES } from '../kube/cnpg.ts';
import { checkKindPrerequisites, KIND_DEFAULT_KUBERNETES, MINIMUM_VERSIONS, older } from './prerequisites.ts';

async function failure(runner: FakeCommandRunner): Promise<InfrastructureError> {
  const error = await checkKindPrerequisites(runner.run).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InfrastructureError);
  expect((error as InfrastructureError).exitCode).toBe(3);
  return error as InfrastructureError;
}

describe('checkKindPrerequisites', () => {
  it('returns the versions when docker, kind and kubectl are recent enough', async () => {
    expect(await checkKindPrerequisites(new FakeCommandRunner().withTools().run)).toEqual({ docker: '27.3.1', kind: '0.32.0', kubectl: '1.36.1' });
  });

  it('names every missing tool with what to install, in one error', async () => {
    const error = await failure(new FakeCommandRunner());
    expect(error.message).toBe(
      'the kind target cannot run here: docker is not installed: install Docker Engine (https://docs.docker.com/engine/install/) and start it; ' +
        'kind is not installed: install kind v0.30.0 or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation); ' +
        'kubectl is not installed: install kubectl v1.33.0 or newer (https://kubernetes.io/docs/tasks/tools/)',
    );
  });

  it('tells a stopped Docker engine from a missing one', async () => {
    const runner = new FakeCommandRunner().withTools().on('docker', /^version/, { code: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' });
    expect((await failure(runner)).message).toMatch(/the Docker engine does not answer \(Cannot connect to the Docker daemon/);
  });

  it('refuses kind older than 0.24 (no NetworkPolicy enforcement)', async () => {
    expect((await failure(new FakeCommandRunner().withTools({ kind: '0.23.0' }))).message).toBe(
      'the kind target cannot run here: kind 0.23.0 is too old: install kind v0.30.0 or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
    );
  });

  // kind's pkg/apis/config/defaults/image.go: v0.29.0 ships Kubernetes 1.33.1, v0.30.0 1.34.0; CloudNativePG 1.30
  // supports 1.34 to 1.36 (docs/src/supported_releases.md).
  it('refuses kind 0.29, whose default node image runs a Kubernetes CloudNativePG 1.30 does not support', async () => {
    expect((await failure(new FakeCommandRunner().withTools({ kind: '0.29.0' }))).message).toMatch(/kind 0\.29\.0 is too old: install kind v0\.30\.0 or newer/);
  });

  it('accepts only kind releases whose default node image runs a supported Kubernetes', () => {
    for (const [kind, kubernetes] of Object.entries(KIND_DEFAULT_KUBERNETES)) {
      expect(older(kind, MINIMUM_VERSIONS.kind)).toBe(false);
      expect(CNPG_SUPPORTED_KUBERNETES).toContain(kubernetes.split('.').slice(0, 2).join('.'));
    }
  });

  it('compares versions numerically, ignoring distribution suffixes', () => {
    expect(older('20.10.24+dfsg1', '20.10.0')).toBe(false);
    expect(older('0.9.0', '0.24.0')).toBe(true);
    expect(older('v1.32.4', '1.29.0')).toBe(false);
  });
});

describe('on this machine', () => {
  it('without kind, exits 3 saying to install kind', async () => {
    const kind = await hostCommandRunner('kind', ['version']);
    if (kind.code === 0) return; // kind is installed here: nothing to show
    const error = await checkKindPrerequisites().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect((error as Error).message).toContain('kind is not installed: install kind v0.30.0 or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)');
  });
});
