import { InfrastructureError } from '../../errors.ts';
import { hostCommandRunner, type CommandRunner } from '../kube/command-runner.ts';

/** Oldest versions the kind target works with, and why. */
export const MINIMUM_VERSIONS = {
  /** Docker Engine with `docker network connect --ip` on user networks and pause/unpause. */
  docker: '20.10.0',
  /**
   * kind enforces NetworkPolicies since v0.24 (partitions and the stalled
   * archive rely on them), but its default node image must also run a
   * Kubernetes CloudNativePG supports: kind v0.29 ships 1.33, v0.30 ships
   * 1.34 (kind's pkg/apis/config/defaults/image.go; CloudNativePG 1.30
   * supports 1.34 to 1.36, docs/src/supported_releases.md).
   */
  kind: '0.30.0',
  /** Within one minor version of Kubernetes 1.34, the oldest node image kind 0.30+ ships (kubectl's version skew policy). */
  kubectl: '1.33.0',
} as const;

/** The Kubernetes version of the default node image of each kind release pgdrill accepts (kind's pkg/apis/config/defaults/image.go). */
export const KIND_DEFAULT_KUBERNETES: Readonly<Record<string, string>> = {
  '0.30.0': '1.34.0',
  '0.31.0': '1.35.0',
  '0.32.0': '1.36.1',
};

export const INSTALL_HINTS = {
  docker: 'install Docker Engine (https://docs.docker.com/engine/install/) and start it',
  kind: `install kind v${MINIMUM_VERSIONS.kind} or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)`,
  kubectl: `install kubectl v${MINIMUM_VERSIONS.kubectl} or newer (https://kubernetes.io/docs/tasks/tools/)`,
} as const;

export interface KindPrerequisites {
  docker: string;
  kind: string;
  kubectl: string;
}

/**
 * Checks that docker (with a running engine), kind and kubectl are present
 * and recent enough. Every problem is reported at once, each with what to
 * install; exit code 3 (an infrastructure problem).
 */
export async function checkKindPrerequisites(runner: CommandRunner = hostCommandRunner): Promise<KindPrerequisites> {
  const problems: string[] = [];
  const found: Partial<KindPrerequisites> = {};

  const docker = await runner('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  if (docker.code === 0) {
    const version = docker.stdout.trim();
    if (older(version, MINIMUM_VERSIONS.docker)) problems.push(`Docker Engine ${version} is too old: ${INSTALL_HINTS.docker} (${MINIMUM_VERSIONS.docker} or newer)`);
    found.docker = version;
  } else if (notInstalled(docker)) {
    problems.push(`docker is not installed: ${INSTALL_HINTS.docker}`);
  } else {
    problems.push(`the Docker engine does not answer (${firstLine(docker.stderr)}): start it, or ${INSTALL_HINTS.docker}`);
  }

  const kind = await runner('kind', ['version'], { timeoutMs: 20_000 });
  if (kind.code === 0) {
    const version = /v?(\d+\.\d+\.\d+)/.exec(kind.stdout)?.[1] ?? 'unknown';
    if (version === 'unknown' || older(version, MINIMUM_VERSIONS.kind)) problems.push(`kind ${version} is too old: ${INSTALL_HINTS.kind}`);
    found.kind = version;
  } else {
    problems.push(`kind is not installed: ${INSTALL_HINTS.kind}`);
  }

  const kubectl = await runner('kubectl', ['version', '--client', '-o', 'json'], { timeoutMs: 20_000 });
  if (kubectl.code === 0) {
    let version = 'unknown';
    try {
      version = /v?(\d+\.\d+\.\d+)/.exec((JSON.parse(kubectl.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '')?.[1] ?? 'unknown';
    } catch {
      // Leave it unknown: reported below.
    }
    if (version === 'unknown' || older(version, MINIMUM_VERSIONS.kubectl)) problems.push(`kubectl ${version} is too old: ${INSTALL_HINTS.kubectl}`);
    found.kubectl = version;
  } else {
    problems.push(`kubectl is not installed: ${INSTALL_HINTS.kubectl}`);
  }

  if (problems.length > 0) {
    throw new InfrastructureError(`the kind target cannot run here: ${problems.join('; ')}`, { problems, found });
  }
  return found as KindPrerequisites;
}

function notInstalled(result: { code: number | null; stderr: string }): boolean {
  return result.code === 127 || result.code === null || /not found|ENOENT|No such file/i.test(result.stderr);
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, 200) || 'no output';
}

/** True when version a is older than b (dotted numbers; suffixes like +dfsg1 ignored). */
export function older(a: string, b: string): boolean {
  const parse = (v: string): number[] => v.replace(/^v/, '').split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}
