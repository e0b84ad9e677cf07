import { spawn } from 'node:child_process';
import { existsSync, openSync, mkdirSync } from 'node:fs';
import Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import type { Progress } from '../../progress/progress.ts';
import { runHostCommand } from './host-command.ts';

/**
 * When pgdrill starts the engine itself, the engine's own bridge and address
 * pools stay inside 198.18.0.0/15 (shared/STACK.md): 198.19.128.0/17 for
 * the engine, 198.18.0.0/16 for pgdrill's run networks.
 */
export const DOCKERD_ARGS = ['--bip=198.19.255.1/24', '--default-address-pool=base=198.19.128.0/17,size=24'];
const DOCKERD_LOG = '/var/log/pgdrill-dockerd.log';
const SOCKET = '/var/run/docker.sock';

export type EngineState =
  | { state: 'running'; version: string; apiVersion: string }
  | { state: 'stopped'; reason: string }
  | { state: 'missing'; reason: string };

export function dockerClient(): Docker {
  // dockerode reads DOCKER_HOST when set; otherwise the local socket.
  return new Docker();
}

export async function engineState(docker: Docker = dockerClient()): Promise<EngineState> {
  try {
    const version = await withTimeout(docker.version(), 5_000, 'docker version');
    return { state: 'running', version: version.Version, apiVersion: version.ApiVersion };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!process.env.DOCKER_HOST && !existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
      return { state: 'missing', reason: 'no Docker engine (dockerd) installed' };
    }
    return { state: 'stopped', reason };
  }
}

/** How this machine can get an engine when it lacks one: only as root on Debian/Ubuntu. */
export function canPrepareEngine(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && !process.env.DOCKER_HOST;
}

export const ENGINE_HELP =
  'install Docker (Debian/Ubuntu: "sudo apt-get install docker.io") and start it ("sudo systemctl start docker", or run pgdrill as root to let it do both)';

/**
 * Makes sure a Docker engine answers: installs Debian's docker.io and starts
 * dockerd when allowed to, otherwise explains exactly what is missing (exit 3).
 */
export async function ensureDockerEngine(progress: Progress): Promise<Docker> {
  const docker = dockerClient();
  const first = await engineState(docker);
  if (first.state === 'running') return docker;
  if (!canPrepareEngine()) {
    throw new InfrastructureError(`Docker engine not reachable (${first.reason}): ${ENGINE_HELP}`, { engine: first });
  }
  await progress.phase('docker engine', async () => {
    if (first.state === 'missing') {
      progress.note('installing docker.io from Debian packages');
      await runHostCommand('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
      await runHostCommand('apt-get', ['install', '-y', '-qq', 'docker.io'], {
        timeoutMs: 600_000,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      });
      // A systemd machine starts the engine on install.
      if ((await engineState(docker)).state === 'running') return;
    }
    if (existsSync('/run/systemd/system')) {
      progress.note('starting docker with systemctl');
      await runHostCommand('systemctl', ['start', 'docker'], { timeoutMs: 120_000 });
    } else {
      progress.note(`starting dockerd (log: ${DOCKERD_LOG})`);
      startDockerd();
    }
    await waitForEngine(docker, 60_000);
  });
  return docker;
}

function startDockerd(): void {
  mkdirSync('/var/log', { recursive: true });
  const log = openSync(DOCKERD_LOG, 'a');
  // Detached: the engine outlives this pgdrill process, as a system service would.
  const child = spawn('dockerd', DOCKERD_ARGS, { detached: true, stdio: ['ignore', log, log] });
  child.unref();
}

async function waitForEngine(docker: Docker, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: EngineState = { state: 'stopped', reason: 'not started' };
  while (performance.now() < deadline) {
    if (existsSync(SOCKET)) {
      last = await engineState(docker);
      if (last.state === 'running') return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfrastructureError(
    `Docker engine did not answer within ${timeoutMs / 1000}s after starting it (see ${DOCKERD_LOG})`,
    { engine: last },
  );
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
