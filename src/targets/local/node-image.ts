import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { InfrastructureError } from '../../errors.ts';
import type { Progress } from '../../progress/progress.ts';
import type { StackGeneration } from '../../scenario/types.ts';
import { withTimeout } from './docker-engine.ts';
import { DEFAULT_GENERATION, localGeneration, type LocalGeneration } from './generations.ts';
import { runHostCommand } from './host-command.ts';

const RECIPE_DIR = fileURLToPath(new URL('./image/', import.meta.url));
const RECIPE_FILES = ['packages.txt', 'build-rootfs.sh', 'Dockerfile'] as const;
export const IMAGE_REPOSITORY = 'pgdrill-node';

/**
 * The image tag: the generation's name and a hash of the recipe and the
 * generation, so a changed recipe rebuilds and an unchanged one is reused.
 */
export function nodeImageTag(stack: StackGeneration = DEFAULT_GENERATION): string {
  const generation = localGeneration(stack);
  const hash = createHash('sha256');
  for (const file of RECIPE_FILES) {
    hash.update(file).update('\0').update(readFileSync(join(RECIPE_DIR, file))).update('\0');
  }
  hash.update(JSON.stringify({ suite: generation.suite, baseImage: generation.baseImage, postgresMajor: generation.postgresMajor }));
  return `${IMAGE_REPOSITORY}:${generation.name}-${hash.digest('hex').slice(0, 12)}`;
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

export type BuildMethod = 'dockerfile' | 'debootstrap';

/** Returns the generation's node image tag, building it first when this recipe was never built here. */
export async function ensureNodeImage(docker: Docker, progress: Progress, stack: StackGeneration = DEFAULT_GENERATION): Promise<string> {
  const generation = localGeneration(stack);
  const tag = nodeImageTag(stack);
  if (await imageExists(docker, tag)) return tag;
  await progress.phase(`build image ${tag}`, async () => {
    const method = await chooseBuildMethod(docker, progress, generation);
    progress.note(`building with ${method === 'dockerfile' ? `a Dockerfile FROM ${generation.baseImage}` : `debootstrap ${generation.suite} + docker import (no registry)`}`);
    if (method === 'dockerfile') await buildWithDockerfile(docker, tag, progress, generation);
    else await buildWithDebootstrap(tag, progress, generation);
  });
  if (!(await imageExists(docker, tag))) {
    throw new InfrastructureError(`image ${tag} is missing after a successful build`, { tag });
  }
  return tag;
}

async function chooseBuildMethod(docker: Docker, progress: Progress, generation: LocalGeneration): Promise<BuildMethod> {
  const forced = process.env.PGDRILL_IMAGE_BUILD;
  if (forced === 'dockerfile' || forced === 'debootstrap') return forced;
  const base = generation.baseImage;
  if (await imageExists(docker, base)) return 'dockerfile';
  try {
    progress.note(`pulling ${base} (to see whether a registry answers)`);
    const stream = await withTimeout(docker.pull(base), 20_000, `pull ${base}`);
    await withTimeout(
      new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      ),
      300_000,
      `pull ${base}`,
    );
    return 'dockerfile';
  } catch {
    progress.note('no registry answered: building offline from Debian packages');
    return 'debootstrap';
  }
}

async function buildWithDockerfile(docker: Docker, tag: string, progress: Progress, generation: LocalGeneration): Promise<void> {
  const context = pack();
  for (const file of ['Dockerfile', 'packages.txt']) {
    context.entry({ name: file }, readFileSync(join(RECIPE_DIR, file)));
  }
  context.finalize();
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: tag,
    labels: { 'pgdrill.image': 'node', 'pgdrill.stack': generation.name },
    buildargs: { BASE_IMAGE: generation.baseImage, POSTGRES_MAJOR: String(generation.postgresMajor) },
  });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((o) => o.error);
        if (err || failed) reject(new InfrastructureError(`docker build of ${tag} failed: ${err?.message ?? failed?.error}`, { tag }, err));
        else resolve();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trim();
        if (line?.startsWith('Step ')) progress.note(line);
      },
    ),
  );
}

async function buildWithDebootstrap(tag: string, progress: Progress, generation: LocalGeneration): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new InfrastructureError(
      `building ${tag} offline needs root (debootstrap); run pgdrill as root once, or on a machine whose Docker engine can pull ${generation.baseImage}`,
      { tag },
    );
  }
  if (!existsSync('/usr/sbin/debootstrap')) {
    if (!existsSync('/usr/bin/apt-get')) {
      throw new InfrastructureError('debootstrap is missing and apt-get is not available to install it', { tag });
    }
    progress.note('installing debootstrap from Debian packages');
    await runHostCommand('apt-get', ['install', '-y', '-qq', 'debootstrap'], {
      timeoutMs: 300_000,
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const mirror = debianMirror();
  const work = mkdtempSync(join(tmpdir(), 'pgdrill-image-'));
  try {
    let lastNote = 0;
    const args = [join(RECIPE_DIR, 'build-rootfs.sh'), tag, generation.suite, String(generation.postgresMajor), mirror, join(RECIPE_DIR, 'packages.txt'), work];
    await runHostCommand('sh', args, {
      timeoutMs: 1_200_000,
      onLine: (line) => {
        // debootstrap prints hundreds of lines: show its stages, a few a second at most.
        const now = performance.now();
        if (/^(I: (Retrieving|Validating|Installing|Configuring|Base)|debootstrap:|docker import)/.test(line) && now - lastNote > 2_000) {
          lastNote = now;
          progress.note(line.replace(/^I: /, ''));
        }
      },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The Debian mirror the machine already uses (from /etc/apt), so the image
 * builds from the same place apt does; PGDRILL_DEBIAN_MIRROR overrides.
 */
export function debianMirror(): string {
  const override = process.env.PGDRILL_DEBIAN_MIRROR;
  if (override) return override;
  const sources: string[] = [];
  if (existsSync('/etc/apt/sources.list')) sources.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (f.endsWith('.sources') || f.endsWith('.list')) sources.push(readFileSync(join('/etc/apt/sources.list.d', f), 'utf8'));
    }
  }
  return findBookwormMirror(sources) ?? 'http://deb.debian.org/debian';
}

/** Picks the first main-archive URI serving bookworm (not security) from apt sources in either format. */
export function findBookwormMirror(sourceFiles: string[]): string | undefined {
  for (const text of sourceFiles) {
    // deb822 stanzas
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uris && suites.includes('bookworm') && !uris.includes('security')) return uris;
    }
    // one-line format
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line.trim() + ' ');
      if (m?.[1] && !m[1].includes('security')) return m[1];
    }
  }
  return undefined;
}
