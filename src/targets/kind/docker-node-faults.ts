import { CommandError, InfrastructureError } from '../../errors.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import { runChecked, type CommandRunner } from '../kube/command-runner.ts';
import type { NodeFaults } from './kind-fault-primitives.ts';
import { KIND_NETWORK } from './kind-cluster.ts';

/** How a lost zone goes down: SIGKILL of its node containers (as the local target's zone loss), a clean stop, or a pause. */
export type ZoneLossMethod = 'kill' | 'stop' | 'pause';

/**
 * Node-level faults on kind, whose nodes are Docker containers named as
 * the nodes: `docker pause` (freeze), `docker kill` / `stop` / `pause` of a
 * zone's nodes (zone loss), `docker network disconnect kind <node>` (a
 * node cut off, what CloudNativePG's own self-fencing test does), and tc
 * in the node's network namespace (a degraded link).
 */
export class DockerNodeFaults implements NodeFaults {
  private readonly stoppedBy = new Map<string, ZoneLossMethod>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly zoneLoss: ZoneLossMethod = 'kill',
    private readonly network: string = KIND_NETWORK,
  ) {}

  async freezeNodes(nodes: readonly string[]): Promise<void> {
    for (const node of nodes) await this.docker(['pause', node]);
  }

  async thawNodes(nodes: readonly string[]): Promise<void> {
    for (const node of nodes) if (await this.isPaused(node)) await this.docker(['unpause', node]);
  }

  async stopNodes(nodes: readonly string[]): Promise<void> {
    await Promise.all(
      nodes.map(async (node) => {
        this.stoppedBy.set(node, this.zoneLoss);
        if (this.zoneLoss === 'pause') await this.docker(['pause', node]);
        else if (this.zoneLoss === 'stop') await this.docker(['stop', '--time', '10', node]);
        else await this.docker(['kill', '--signal', 'KILL', node]);
      }),
    );
  }

  async startNodes(nodes: readonly string[]): Promise<void> {
    await Promise.all(
      nodes.map(async (node) => {
        const state = await this.state(node);
        if (state.paused) await this.docker(['unpause', node]);
        else if (!state.running) await this.docker(['start', node]);
        this.stoppedBy.delete(node);
      }),
    );
  }

  async disconnectNodes(nodes: readonly string[]): Promise<void> {
    for (const node of nodes) {
      const networks = JSON.parse(await this.docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', node])) as Record<string, unknown>;
      if (!networks[this.network]) continue; // already disconnected
      await this.docker(['network', 'disconnect', this.network, node]);
    }
  }

  /**
   * A plain `docker network connect kind <node>`, as CloudNativePG's
   * self-fencing e2e does (tests/e2e/self_fencing_test.go). Not with the old
   * addresses (`--ip`): kind creates its network with a user subnet for IPv6
   * only (pkg/cluster/internal/providers/docker/network.go), and Docker takes
   * a user-chosen address only on a user-configured subnet, so it refuses.
   * The node may come back with another IPv4 address; the caller waits for
   * the node to be Ready, and the heal's witness for a new connection across.
   */
  async reconnectNodes(nodes: readonly string[]): Promise<void> {
    for (const node of nodes) {
      try {
        await this.docker(['network', 'connect', this.network, node]);
      } catch (error) {
        if (error instanceof CommandError && /already exists|already attached/i.test(error.stderr)) continue;
        throw error;
      }
    }
  }

  /**
   * `conntrack -D` by original source, original destination and reply
   * source (a connection to a Service address is translated to the pod's),
   * in the node's network namespace; conntrack is in kind's node image
   * (images/base/Dockerfile). Exit 1 means there was no such entry.
   */
  async flushConntrack(nodes: readonly string[], ips: readonly string[]): Promise<void> {
    await Promise.all(
      nodes.map(async (node) => {
        for (const ip of ips) {
          for (const flag of ['-s', '-d', '-r']) {
            const args = ['exec', node, 'conntrack', '-D', flag, ip];
            const started = performance.now();
            const result = await this.runner('docker', args, { timeoutMs: 15_000 });
            if (result.code !== 0 && result.code !== 1) {
              throw new CommandError({ command: ['docker', ...args].join(' '), code: result.code, stdout: result.stdout, stderr: result.stderr, durationMs: performance.now() - started });
            }
          }
        }
      }),
    );
  }

  async degradeNode(node: string): Promise<string> {
    const tc = (args: string[]) => this.runner('docker', ['exec', node, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', ...args], { timeoutMs: 15_000 });
    const netem = await tc(['netem', 'delay', '200ms', '50ms', 'loss', '2%']);
    if (netem.code === 0) return 'netem: 200 ms ± 50 ms delay, 2% loss';
    // Kernels without sch_netem still have tbf: a slow link makes the replica lag too.
    const tbf = await tc(['tbf', 'rate', '64kbit', 'burst', '8kbit', 'latency', '2s']);
    if (tbf.code === 0) return `tbf: 64 kbit/s rate limit (netem unavailable: ${firstLine(netem.stderr)})`;
    throw new PrimitiveUnsupportedError(`neither tc netem nor tbf works in node ${node}: ${firstLine(netem.stderr)}`);
  }

  async restoreNode(node: string): Promise<void> {
    if (!(await this.state(node)).running) return;
    // Fails with "No such file" when there is nothing to delete: already restored.
    await this.runner('docker', ['exec', node, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { timeoutMs: 15_000 });
  }

  private async isPaused(node: string): Promise<boolean> {
    return (await this.state(node)).paused;
  }

  async nodeState(node: string): Promise<{ running: boolean; paused: boolean }> {
    return this.state(node);
  }

  private async state(node: string): Promise<{ running: boolean; paused: boolean }> {
    const out = await this.docker(['inspect', '--format', '{{json .State}}', node]);
    try {
      const state = JSON.parse(out) as { Running?: boolean; Paused?: boolean };
      return { running: !!state.Running, paused: !!state.Paused };
    } catch {
      throw new InfrastructureError(`docker inspect ${node} printed no state: ${out.slice(0, 200)}`);
    }
  }

  private docker(args: string[]): Promise<string> {
    return runChecked(this.runner, 'docker', args, { timeoutMs: 60_000 });
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
