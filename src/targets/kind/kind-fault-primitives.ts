import type { Evidence, FreezePrimitives, LinkPrimitives, ZoneStopPrimitives } from '../fault-primitives.ts';
import { KubeFaultPrimitives, type KubeFaultContext } from '../kube/kube-faults.ts';

/**
 * Faults on the machines under the pods. On kind the nodes are Docker
 * containers: docker pause / kill / network disconnect / tc.
 */
export interface NodeFaults {
  freezeNodes(nodes: readonly string[]): Promise<void>;
  thawNodes(nodes: readonly string[]): Promise<void>;
  stopNodes(nodes: readonly string[]): Promise<void>;
  startNodes(nodes: readonly string[]): Promise<void>;
  disconnectNodes(nodes: readonly string[]): Promise<void>;
  reconnectNodes(nodes: readonly string[]): Promise<void>;
  /** Returns how the link was degraded (netem, or a tbf rate limit). */
  degradeNode(node: string): Promise<string>;
  restoreNode(node: string): Promise<void>;
  /** The node container's state, for the witnesses. */
  nodeState(node: string): Promise<{ running: boolean; paused: boolean }>;
  /** Deletes every conntrack entry of these addresses on these nodes. */
  flushConntrack(nodes: readonly string[], ips: readonly string[]): Promise<void>;
}

/**
 * CloudNativePG on kind: the API-level primitives, plus the node-level
 * groups an existing cluster does not give (freeze, zone stop, link
 * degradation), and zone partitions made by taking the zone's nodes off
 * the kind network.
 */
export class KindFaultPrimitives extends KubeFaultPrimitives implements FreezePrimitives, ZoneStopPrimitives, LinkPrimitives {
  constructor(
    ctx: KubeFaultContext,
    private readonly nodes: NodeFaults,
  ) {
    super(ctx);
  }

  async freezeInstance(name: string): Promise<void> {
    this.ctx.guard('freeze');
    await this.nodes.freezeNodes([await this.nodeOf(name)]);
  }

  async thawInstance(name: string): Promise<void> {
    await this.nodes.thawNodes([await this.nodeOf(name)]);
  }

  async frozen(name: string): Promise<Evidence> {
    const node = await this.nodeOf(name);
    return (await this.nodes.nodeState(node)).paused ? `node ${node} of ${name} paused` : null;
  }

  async zoneStopped(zone: string): Promise<Evidence> {
    const nodes = await this.zoneNodes(zone);
    const states = await Promise.all(nodes.map((n) => this.nodes.nodeState(n)));
    // A zone lost by pausing its nodes counts too: nothing on them runs.
    if (states.some((st) => st.running && !st.paused)) return null;
    return `zone ${zone}: node(s) ${nodes.join(', ')} not running`;
  }

  async stopZone(zone: string): Promise<void> {
    this.ctx.guard('zone-loss');
    await this.nodes.stopNodes(await this.zoneNodes(zone));
  }

  async startZone(zone: string): Promise<void> {
    await this.nodes.startNodes(await this.zoneNodes(zone));
  }

  override async isolateZone(zone: string): Promise<void> {
    this.ctx.guard('partition (zone)');
    await this.nodes.disconnectNodes(await this.zoneNodes(zone));
  }

  /** Reconnects the zone's nodes, then waits until each is Ready again (the kubelet reaches the API server). */
  override async rejoinZone(zone: string): Promise<void> {
    const nodes = await this.zoneNodes(zone);
    await this.nodes.reconnectNodes(nodes);
    for (const node of nodes) await this.nodeReady(node);
  }

  /** On every node: a pod's flows cross the nodes of both ends. */
  protected override async flushConntrack(ips: readonly string[]): Promise<void> {
    if (ips.length === 0) return;
    await this.nodes.flushConntrack(await this.allNodes(), ips);
  }

  async degradeLink(name: string): Promise<string> {
    this.ctx.guard('replica-lag');
    const detail = await this.nodes.degradeNode(await this.nodeOf(name));
    return `${detail} on the node of ${name}`;
  }

  async restoreLink(name: string): Promise<void> {
    await this.nodes.restoreNode(await this.nodeOf(name));
  }
}
