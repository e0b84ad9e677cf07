import type Docker from 'dockerode';
import type { FaultKind } from '../../history/events.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import type { ExpectedRto, Topology } from '../target.ts';
import { execIn } from './docker-exec.ts';
import { expectedLocalRto } from './expected-rto.ts';
import { appliedPatroniTimings } from './generations.ts';
import { LocalFaultPrimitives } from './local-faults.ts';
import { PatroniApi } from './patroni-api.ts';
import { topologyFromCluster } from './patroni-topology.ts';
import type { ProvisionedStack } from './provision.ts';
import { secretValues, type StackSecrets } from './secrets.ts';
import type { LocalStackOptions } from './stack-options.ts';

/**
 * What every Patroni cluster pgdrill runs on Docker offers a drill, whether
 * it is a run's own stack or a cluster restored beside it: its endpoints,
 * the fault primitives aimed at its members, the topology Patroni reports,
 * the RTO its timings predict, the versions of its pieces and its secrets.
 */
export class PatroniStackView {
  readonly kind = 'local' as const;
  readonly faults: LocalFaultPrimitives;
  private cachedVersions: Record<string, string> | undefined;

  constructor(
    readonly docker: Docker,
    readonly options: LocalStackOptions,
    readonly image: string,
    readonly stack: ProvisionedStack,
    protected readonly stackSecrets: StackSecrets,
  ) {
    this.faults = new LocalFaultPrimitives(docker, stack.layout, (instance) => this.patroni(instance));
  }

  /** Every secret of the stack, so outputs can be checked and scrubbed. */
  secrets(): readonly string[] {
    return secretValues(this.stackSecrets);
  }

  get runId(): string {
    return this.options.runId;
  }

  get client(): ConnectionInfo {
    return this.stack.client;
  }

  get instances(): readonly InstanceEndpoint[] {
    return this.stack.instances;
  }

  /** The Patroni REST API of one instance. */
  patroni(instance: string): PatroniApi {
    const ports = this.stack.instancePorts.get(instance);
    if (!ports) throw new Error(`unknown instance ${instance}`);
    return new PatroniApi(`http://127.0.0.1:${ports.patroni}`);
  }

  container(name: string): Docker.Container {
    return this.docker.getContainer(`pgdrill-${this.runId}-${name}`);
  }

  async topology(): Promise<Topology> {
    return topologyFromCluster(
      this.stack.layout.postgres.map((n) => ({ name: n.name, zone: n.zone! })),
      this.stack.layout.postgres.map((n) => this.patroni(n.name)),
    );
  }

  expectedRto(fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null {
    return expectedLocalRto(appliedPatroniTimings(this.options.stack, this.options.patroni), fault);
  }

  async versions(): Promise<Record<string, string>> {
    if (this.cachedVersions) return this.cachedVersions;
    const node = this.container(this.stack.layout.postgres[0]!.name);
    const ask = async (cmd: string[]): Promise<string> =>
      (await execIn(node, cmd, { check: false, timeoutMs: 10_000 })).stdout.trim().split('\n')[0] ?? '';
    const [postgres, patroni, pgbackrest, etcd, haproxy] = await Promise.all([
      ask(['postgres', '--version']),
      ask(['patroni', '--version']),
      ask(['pgbackrest', 'version']),
      ask(['etcd', '--version']),
      ask(['haproxy', '-v']),
    ]);
    const imageId = (await this.docker.getImage(this.image).inspect()).Id;
    this.cachedVersions = { stack: this.options.stack, postgres, patroni, pgbackrest, etcd, haproxy, image: this.image, imageId };
    return this.cachedVersions;
  }
}
