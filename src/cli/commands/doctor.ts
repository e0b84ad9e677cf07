import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { canPrepareEngine, dockerClient, ENGINE_HELP, engineState } from '../../targets/local/docker-engine.ts';
import { STACK_GENERATIONS } from '../../scenario/types.ts';
import { DEFAULT_GENERATION, localGeneration } from '../../targets/local/generations.ts';
import { imageExists, nodeImageTag } from '../../targets/local/node-image.ts';
import { printLine } from '../output.ts';

export interface Prerequisite {
  name: string;
  state: 'ok' | 'will-prepare' | 'missing' | 'optional-missing';
  detail: string;
}

/** Each prerequisite of the local target (and the tools of the Kubernetes targets), with its state. */
export async function prerequisites(): Promise<Prerequisite[]> {
  const checks: Prerequisite[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({ name: 'node.js', state: nodeOk ? 'ok' : 'missing', detail: `${process.version}${nodeOk ? '' : ' (need 20.19 or newer)'}` });

  const engine = await engineState();
  const prepare = canPrepareEngine();
  if (engine.state === 'running') {
    checks.push({ name: 'docker engine', state: 'ok', detail: `running, version ${engine.version} (API ${engine.apiVersion})` });
  } else {
    checks.push({
      name: 'docker engine',
      state: prepare ? 'will-prepare' : 'missing',
      detail: prepare ? `${engine.reason}: pgdrill will install and start it (root on Debian/Ubuntu)` : `${engine.reason}: ${ENGINE_HELP}`,
    });
  }

  const canDebootstrap = process.getuid?.() === 0 && (existsSync('/usr/sbin/debootstrap') || existsSync('/usr/bin/apt-get'));
  for (const stack of STACK_GENERATIONS) {
    const tag = nodeImageTag(stack);
    const built = engine.state === 'running' && (await imageExists(dockerClient(), tag));
    const base = localGeneration(stack).baseImage;
    const firstUse = stack === DEFAULT_GENERATION ? 'the first run' : `the first run with --stack ${stack}`;
    checks.push({
      name: `node image (${stack})`,
      // Only the default generation is needed for a first drill; another is built when asked for.
      state: built ? 'ok' : canDebootstrap || engine.state === 'running' ? 'will-prepare' : stack === DEFAULT_GENERATION ? 'missing' : 'optional-missing',
      detail: built
        ? `${tag} built`
        : `${tag} not built yet: ${firstUse} builds it (about 2 minutes; offline with debootstrap as root, or FROM ${base} where a registry answers)`,
    });
  }

  const free = freeBytes(tmpdir());
  checks.push({
    name: 'disk space',
    state: free === undefined || free > 3 * 2 ** 30 ? 'ok' : 'missing',
    detail: free === undefined ? 'unknown' : `${(free / 2 ** 30).toFixed(1)} GiB free in ${tmpdir()} (the image build needs about 2 GiB)`,
  });

  for (const tool of ['kind', 'kubectl']) {
    const path = ['/usr/local/bin', '/usr/bin'].map((d) => `${d}/${tool}`).find((p) => existsSync(p));
    checks.push({
      name: tool,
      state: path ? 'ok' : 'optional-missing',
      detail: path ? path : 'not installed (only needed for --target kind / kubernetes)',
    });
  }
  return checks;
}

/** `pgdrill doctor`: exit 0 when the local target can run (perhaps after pgdrill prepares things), else 3. */
export async function doctorCommand(): Promise<number> {
  const checks = await prerequisites();
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) printLine(`${c.name.padEnd(width)}  ${c.state.padEnd(16)}  ${c.detail}`);
  return checks.some((c) => c.state === 'missing') ? 3 : 0;
}

function freeBytes(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
