import { fileURLToPath } from 'node:url';
import { runChecked, type CommandRunner } from '../kube/command-runner.ts';

/** The kind configs shipped in kind-config/. */
export const KIND_CONFIGS = {
  /** 1 control plane + 3 workers, one per zone a, b, c. */
  threeZones: fileURLToPath(new URL('../../../kind-config/three-zones.yaml', import.meta.url)),
  /** 1 control plane + 6 workers, two per zone a, b, c. */
  threeZonesTwoWorkers: fileURLToPath(new URL('../../../kind-config/three-zones-two-workers.yaml', import.meta.url)),
} as const;

/** kind's default cluster name for pgdrill runs (one cluster, reused across runs unless told otherwise). */
export const DEFAULT_KIND_CLUSTER = 'pgdrill';

/** The Docker network kind puts its nodes on. */
export const KIND_NETWORK = 'kind';

export async function kindClusterExists(runner: CommandRunner, name: string): Promise<boolean> {
  const out = await runChecked(runner, 'kind', ['get', 'clusters'], { timeoutMs: 30_000 });
  return out.split('\n').some((line) => line.trim() === name);
}

export async function createKindCluster(runner: CommandRunner, options: { name: string; config: string; nodeImage?: string; waitSeconds?: number }): Promise<void> {
  await runChecked(
    runner,
    'kind',
    ['create', 'cluster', '--name', options.name, '--config', options.config, ...(options.nodeImage ? ['--image', options.nodeImage] : []), '--wait', `${options.waitSeconds ?? 180}s`],
    { timeoutMs: 900_000 },
  );
}

export async function deleteKindCluster(runner: CommandRunner, name: string): Promise<void> {
  await runChecked(runner, 'kind', ['delete', 'cluster', '--name', name], { timeoutMs: 300_000 });
}

/** The cluster's kubeconfig (admin credentials kind generated), as text. */
export async function kindKubeconfig(runner: CommandRunner, name: string): Promise<string> {
  return runChecked(runner, 'kind', ['get', 'kubeconfig', '--name', name], { timeoutMs: 30_000 });
}

/**
 * Copies images from the local Docker engine into every node (air-gapped
 * runs: pull or build them beforehand). Returns each image's repository
 * digest, when Docker knows one, for the report.
 */
export async function loadImages(runner: CommandRunner, cluster: string, images: readonly string[]): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const image of images) {
    await runChecked(runner, 'kind', ['load', 'docker-image', image, '--name', cluster], { timeoutMs: 600_000 });
    const digest = await imageDigest(runner, image);
    if (digest) digests[image] = digest;
  }
  return digests;
}

/** The first repository digest Docker records for a local image (name@sha256:...), or null. */
export async function imageDigest(runner: CommandRunner, image: string): Promise<string | null> {
  const result = await runner('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image], { timeoutMs: 30_000 });
  if (result.code !== 0) return null;
  try {
    const digests = JSON.parse(result.stdout.trim()) as string[] | null;
    return digests?.[0] ?? null;
  } catch {
    return null;
  }
}
