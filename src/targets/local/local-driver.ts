import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import type { TargetDriver } from '../driver.ts';
import { implementedGroups } from '../fault-primitives.ts';
import { isRunId } from '../run-id.ts';
import { dockerClient } from './docker-engine.ts';
import { STACK_GENERATIONS } from '../../scenario/types.ts';
import { parseGeneration } from './generations.ts';
import { LocalFaultPrimitives } from './local-faults.ts';
import { startLocalTarget } from './local-target.ts';
import { listRuns, removeRunResources } from './run-resources.ts';
import { recordedRunIds, removeRunFiles, runDir } from './run-state.ts';
import { localOptionsFromCluster, validateLocalOptions, type LocalSettings } from './stack-options.ts';

/** The default target: Patroni, etcd, pgBackRest and HAProxy in Docker containers pgdrill builds and starts itself. */
export const localDriver: TargetDriver = {
  kind: 'local',
  summary: 'Patroni + etcd + pgBackRest + HAProxy in Docker containers on this machine',
  flags: [
    { flags: '--port <port>', description: 'client endpoint port on 127.0.0.1 (default: any free one)', key: 'port' },
    { flags: '--subnet <cidr>', description: 'the run network, a /24 inside 198.18.0.0/15 (default: first free)', key: 'subnet' },
    { flags: '--stack <generation>', description: "stack generation, over the scenario's cluster.stack: debian12 (default) or debian13", key: 'stack' },
  ],
  // certify's sides: a stack generation, through --stack.
  generations: {
    key: 'stack',
    noun: 'stack generation',
    description: `a stack generation (${STACK_GENERATIONS.join(', ')})`,
    spelledAs: (value) => (STACK_GENERATIONS as readonly string[]).includes(value),
    check: (value, flag) => void parseGeneration(value, flag),
  },
  configure(options) {
    const settings: LocalSettings = {};
    if (options.port !== undefined) settings.clientPort = parsePort(String(options.port));
    if (options.subnet !== undefined) settings.subnet = String(options.subnet);
    if (options.stack !== undefined) settings.stack = parseGeneration(String(options.stack), '--stack');
    return {
      kind: 'local',
      capabilities: () => ({ primitives: implementedGroups(LocalFaultPrimitives.prototype), backups: true }),
      async preflight(plan) {
        // The same validation `pgdrill up` makes: a bad subnet or timing is exit 2 before anything starts.
        validateLocalOptions(localOptionsFromCluster(plan.runId, plan.cluster, settings));
      },
      start: (args) =>
        startLocalTarget({
          options: localOptionsFromCluster(args.runId, args.cluster, settings),
          progress: args.progress,
          teardowns: args.teardowns,
          signal: args.signal,
        }),
      async cleanup(runId) {
        const docker = dockerClient();
        const runs = runId !== undefined ? [runId] : [...new Set([...(await listRuns(docker)), ...recordedRunIds()])];
        const withFiles = runs.filter((id) => isRunId(id) && existsSync(runDir(id)));
        const removed = await removeRunResources(docker, runId);
        for (const id of withFiles) removeRunFiles(id);
        const found = removed.containers + removed.networks + removed.volumes > 0 || withFiles.length > 0;
        if (runId !== undefined && !found) return `nothing of run ${runId} found (no labelled container, network or volume, no state folder)`;
        return `removed ${runs.length} run(s): ${removed.containers} container(s), ${removed.networks} network(s), ${removed.volumes} volume(s)`;
      },
    };
  },
};

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port expects a whole number from 0 to 65535 (got "${value}")`);
  return port;
}
