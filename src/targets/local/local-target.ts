import type Docker from 'dockerode';
import type { Progress } from '../../progress/progress.ts';
import type { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { InfrastructureError } from '../../errors.ts';
import type { BackupPrimitives, StartedTarget } from '../target.ts';
import { PatroniStackView } from './patroni-stack-view.ts';
import { LocalBackups } from './local-backups.ts';
import { execIn } from './docker-exec.ts';
import { ensureDockerEngine } from './docker-engine.ts';
import { claimClientPort } from './host-ports.ts';
import { ensureNodeImage } from './node-image.ts';
import { provisionStack, type ProvisionedStack } from './provision.ts';
import { removeRunResources } from './run-resources.ts';
import { endpointUrl, removeRunFiles, writeRunFiles, type RunFiles, type RunRecord } from './run-state.ts';
import { newSecrets, type StackSecrets } from './secrets.ts';
import { validateLocalOptions, type LocalStackOptions } from './stack-options.ts';

export interface StartLocalTargetArgs {
  options: LocalStackOptions;
  progress: Progress;
  /** The run's teardown stack: removal of the stack is registered on it before anything is created. */
  teardowns: TeardownStack;
  signal?: AbortSignal;
}

/**
 * Validates the options (exit 2 before anything starts), prepares the
 * engine and image, and brings the stack up. The run's removal is on the
 * teardown stack before the first resource exists.
 */
export async function startLocalTarget(args: StartLocalTargetArgs): Promise<LocalTarget> {
  const options = validateLocalOptions(args.options);
  const clientPort = await claimClientPort(options.clientPort);
  const docker = await ensureDockerEngine(args.progress);
  const image = await ensureNodeImage(docker, args.progress, options.stack);
  const secrets = newSecrets();
  args.teardowns.defer(`remove run ${options.runId}`, () => removeLocalRun(docker, options.runId));
  const stack = await provisionStack(docker, image, options, secrets, clientPort, args.progress, args.signal);
  const record = runRecord(options, image, stack);
  const files = writeRunFiles(record, [stack.client, ...stack.instances.map((i) => i.connection)]);
  return new LocalTarget(docker, options, image, stack, secrets, record, files);
}

/** Removes the run's containers, network, volume and state files (twice: a create in flight at Ctrl-C may land late). */
export async function removeLocalRun(docker: Docker, runId: string): Promise<void> {
  // The first pass may meet what the second one clears; only the second one's failure counts.
  await removeRunResources(docker, runId).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  await removeRunResources(docker, runId);
  removeRunFiles(runId);
}

export class LocalTarget extends PatroniStackView implements StartedTarget {
  readonly backups: BackupPrimitives;

  constructor(
    docker: Docker,
    options: LocalStackOptions,
    image: string,
    stack: ProvisionedStack,
    stackSecrets: StackSecrets,
    readonly record: RunRecord,
    readonly files: RunFiles,
  ) {
    super(docker, options, image, stack, stackSecrets);
    this.backups = new LocalBackups(
      docker,
      image,
      stack.layout,
      { options, secrets: stackSecrets },
      async () => {
        const primary = (await this.topology()).primary;
        const endpoint = this.stack.instances.find((i) => i.name === primary);
        if (!endpoint) throw new InfrastructureError('no primary to archive the current WAL segment on');
        return endpoint.connection;
      },
    );
  }

  async archivedWal(): Promise<string[]> {
    const result = await execIn(this.container('repo'), ['find', '/var/lib/pgbackrest/archive', '-type', 'f', '-printf', '%f\\n'], {
      timeoutMs: 30_000,
    });
    return result.stdout.split('\n').filter((line) => line.length > 0);
  }

  async teardown(): Promise<void> {
    await removeLocalRun(this.docker, this.runId);
  }
}

function runRecord(options: LocalStackOptions, image: string, stack: ProvisionedStack): RunRecord {
  return {
    runId: options.runId,
    target: 'local',
    createdAt: new Date().toISOString(),
    image,
    network: stack.layout.networkName,
    subnet: stack.layout.subnet,
    options: { ...options, clientPort: stack.clientPort },
    client: { url: endpointUrl(stack.client), host: stack.client.host, port: stack.client.port },
    instances: stack.instances.map((i) => ({
      name: i.name,
      zone: i.zone,
      url: endpointUrl(i.connection),
      host: i.connection.host,
      port: i.connection.port,
      patroniUrl: `http://127.0.0.1:${stack.instancePorts.get(i.name)!.patroni}`,
    })),
  };
}
