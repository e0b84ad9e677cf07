import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import type {
  ArchiveStallPrimitives,
  Evidence,
  PartitionSide,
  DcsPrimitives,
  FreezePrimitives,
  InstanceKillPrimitives,
  LinkPrimitives,
  RollingRestartPrimitives,
  PartitionPrimitives,
  PostgresKillPrimitives,
  SwitchoverPrimitives,
  ZoneStopPrimitives,
} from '../fault-primitives.ts';
import { execIn } from './docker-exec.ts';
import type { PatroniApi } from './patroni-api.ts';
import type { StackLayout, StackMember } from './stack-layout.ts';

/**
 * iptables chains pgdrill adds inside a container, one per purpose, so
 * healing one fault (flushing its chain) cannot undo another active fault.
 */
type Chain = 'PGDRILL-PART' | 'PGDRILL-ARCH';


/**
 * The local target's fault primitives, on Docker: SIGKILL and start of
 * containers, docker pause, iptables rules inside the containers (they run
 * with NET_ADMIN), tc netem on their interface.
 */
export class LocalFaultPrimitives
  implements
    InstanceKillPrimitives,
    PostgresKillPrimitives,
    SwitchoverPrimitives,
    FreezePrimitives,
    ZoneStopPrimitives,
    PartitionPrimitives,
    ArchiveStallPrimitives,
    DcsPrimitives,
    LinkPrimitives,
    RollingRestartPrimitives
{
  constructor(
    private readonly docker: Docker,
    private readonly layout: StackLayout,
    private readonly patroni: (instance: string) => PatroniApi,
  ) {}

  async killInstance(name: string): Promise<void> {
    await this.kill(this.member(name));
  }

  async startInstance(name: string): Promise<void> {
    await this.start(this.member(name));
  }

  async incarnation(name: string): Promise<string | null> {
    const state = await this.state(this.member(name));
    return state?.Running ? `container started ${state.StartedAt}` : null;
  }

  async killPostgres(name: string): Promise<void> {
    // Every postgres process at once (postmaster and backends), as an OOM kill
    // or a crash would: a backend left running could still acknowledge a commit.
    await execIn(this.container(this.member(name)), ['pkill', '-KILL', '-x', 'postgres'], { timeoutMs: 10_000 });
  }

  async switchover(primary: string, candidate: string): Promise<void> {
    await this.patroni(primary).switchover(primary, candidate);
  }

  async restartMember(name: string): Promise<void> {
    await this.patroni(name).restart();
  }

  async freezeInstance(name: string): Promise<void> {
    await this.container(this.member(name)).pause();
  }

  async thawInstance(name: string): Promise<void> {
    const container = this.container(this.member(name));
    if ((await container.inspect()).State.Paused) await container.unpause();
  }

  async frozen(name: string): Promise<Evidence> {
    const member = this.member(name);
    return (await this.state(member))?.Paused ? `container ${member.containerName} paused` : null;
  }

  async stopZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.kill(m)));
  }

  async startZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.start(m)));
  }

  async zoneStopped(zone: string): Promise<Evidence> {
    const members = this.zoneMembers(zone);
    const states = await Promise.all(members.map((m) => this.state(m)));
    if (states.some((st) => st?.Running)) return null;
    return `zone ${zone}: ${members.map((m, i) => `${m.name} not running (exit ${states[i]?.ExitCode ?? '?'})`).join(', ')}`;
  }

  async isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void> {
    const isolated = names.map((n) => this.member(n));
    const peers = [...this.layout.postgres, ...(options.fromDcs ? this.layout.etcd : [])].filter((m) => !isolated.includes(m));
    await Promise.all(isolated.map((m) => this.block(m, 'PGDRILL-PART', peers.map((p) => p.ip), 'DROP')));
    await this.cutReplication(isolated);
  }

  async rejoinInstances(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.unblock(this.member(n), 'PGDRILL-PART')));
  }

  async isolateZone(zone: string): Promise<void> {
    const inside = this.zoneMembers(zone);
    const outside = [...this.layout.postgres, ...this.layout.etcd].filter((m) => !inside.includes(m));
    await Promise.all(inside.map((m) => this.block(m, 'PGDRILL-PART', outside.map((p) => p.ip), 'DROP')));
    await this.cutReplication(inside);
  }

  async rejoinZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.unblock(m, 'PGDRILL-PART')));
  }

  async cutEvidence(side: PartitionSide): Promise<Evidence> {
    const { isolated, peers } = this.sides(side);
    const reach = await this.reachAcross(isolated, peers);
    if (reach.open.length > 0) return null;
    return `across the cut: ${reach.lines.join('; ')}`;
  }

  async rejoinedEvidence(side: PartitionSide): Promise<Evidence> {
    const { isolated, peers } = this.sides(side);
    const reach = await this.reachAcross(isolated, peers);
    if (reach.closed.length > 0) return null;
    return `across the former cut: ${reach.lines.join('; ')}`;
  }

  async stallArchive(): Promise<void> {
    // On the repository host, which no other fault restarts: rules inside an
    // instance's network namespace would vanish when a kill's heal starts it
    // again, lifting the stall under a drill that still counts it.
    // REJECT, not DROP: archive-push then fails at once and the archiver's failures show while the stall lasts.
    await this.block(this.layout.repo, 'PGDRILL-ARCH', this.layout.postgres.map((m) => m.ip), 'REJECT', 'incoming');
  }

  async resumeArchive(): Promise<void> {
    await this.unblock(this.layout.repo, 'PGDRILL-ARCH');
  }

  dcsMembers(): string[] {
    return this.layout.etcd.map((m) => m.name);
  }

  async stopDcsMembers(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.kill(this.member(n))));
  }

  async startDcsMembers(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.start(this.member(n))));
  }

  async dcsMemberAnswers(name: string): Promise<boolean> {
    const member = this.member(name);
    const asker = await this.runningMember([this.layout.haproxy, ...this.layout.postgres]);
    if (!asker) return false;
    const health = await execIn(this.container(asker), ['etcdctl', `--endpoints=http://${member.ip}:2379`, '--dial-timeout=1s', '--command-timeout=1s', 'endpoint', 'health'], {
      check: false,
      timeoutMs: 5_000,
      env: { ETCDCTL_API: '3' },
    });
    return health.code === 0;
  }

  async degradeLink(name: string): Promise<string> {
    const container = this.container(this.member(name));
    const tc = (args: string[]) => execIn(container, ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', ...args], { check: false, timeoutMs: 10_000 });
    const netem = await tc(['netem', 'delay', '200ms', '50ms', 'loss', '2%']);
    if (netem.code === 0) return 'netem: 200 ms ± 50 ms delay, 2% loss';
    // Kernels without sch_netem (this project's CI) still have tbf: a slow link makes the replica lag too.
    const tbf = await tc(['tbf', 'rate', '64kbit', 'burst', '8kbit', 'latency', '2s']);
    if (tbf.code === 0) return `tbf: 64 kbit/s rate limit (netem unavailable: ${firstLine(netem.stderr)})`;
    throw new PrimitiveUnsupportedError(`neither tc netem nor tbf works on this machine's kernel: ${firstLine(netem.stderr)}`);
  }

  async restoreLink(name: string): Promise<void> {
    const container = this.container(this.member(name));
    if (!(await isRunning(container))) return;
    // "No such file" when there is no qdisc to delete: already restored.
    await execIn(container, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { check: false, timeoutMs: 10_000 });
  }

  /**
   * Ends the replication connections that cross a new cut, on both sides:
   * the walsenders to the other side are terminated and a walreceiver fed
   * from it is stopped. What keepalive timeouts would do after a minute,
   * at once, so the drill measures the engine, not TCP's patience; the
   * rules already in place keep them from coming back.
   */
  private async cutReplication(isolated: readonly StackMember[]): Promise<void> {
    const peers = this.layout.postgres.filter((m) => !isolated.includes(m));
    const insidePg = isolated.filter((m) => m.role === 'postgres');
    const cut = async (member: StackMember, across: readonly StackMember[]): Promise<void> => {
      if (across.length === 0 || !(await isRunning(this.container(member)))) return;
      const ips = across.map((m) => `'${m.ip}'`).join(',');
      // The walsenders by their process title ("walsender <user> <ip>(<port>)"), not through a
      // connection: once commits block on the cut standby, the workload's outage probes can
      // fill max_connections, and a psql that cannot connect left the walsender streaming
      // until wal_sender_timeout, the commits blocked with it.
      const script = [
        ...across.map((m) => `pkill -TERM -f 'walsender [^ ]+ ${m.ip.replaceAll('.', '\\.')}\\(' 2>/dev/null`),
        `pid=$(psql -XAtq -c "SELECT pid FROM pg_stat_wal_receiver WHERE sender_host IN (${ips})" 2>/dev/null)`,
        '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null',
        'true',
      ].join('\n');
      await execIn(this.container(member), ['sh', '-c', script], { user: 'postgres', check: false, timeoutMs: 10_000, label: `end replication across the cut on ${member.name}` });
    };
    await Promise.all([...insidePg.map((m) => cut(m, peers)), ...peers.map((m) => cut(m, insidePg))]);
  }

  private sides(side: PartitionSide): { isolated: StackMember[]; peers: StackMember[] } {
    const isolated = 'zone' in side ? this.zoneMembers(side.zone) : side.instances.map((n) => this.member(n));
    const peers = [...this.layout.postgres, ...this.layout.etcd].filter((m) => !isolated.includes(m));
    return { isolated, peers };
  }

  /**
   * New connections across a cut, made from inside the stack (the harness
   * itself is never cut off): from a peer instance to each isolated
   * PostgreSQL, and from an isolated instance to each peer etcd member.
   */
  private async reachAcross(isolated: readonly StackMember[], peers: readonly StackMember[]): Promise<{ open: string[]; closed: string[]; lines: string[] }> {
    const probes: Array<{ from: StackMember; to: StackMember; cmd: string }> = [];
    const peerPg = await this.runningMember(peers.filter((m) => m.role === 'postgres'));
    const insidePg = await this.runningMember(isolated.filter((m) => m.role === 'postgres'));
    if (peerPg) {
      for (const to of isolated.filter((m) => m.role === 'postgres')) probes.push({ from: peerPg, to, cmd: `pg_isready -q -h ${to.ip} -p 5432 -t 1` });
    }
    if (insidePg) {
      for (const to of peers.filter((m) => m.role === 'etcd')) {
        probes.push({ from: insidePg, to, cmd: `ETCDCTL_API=3 etcdctl --endpoints=http://${to.ip}:2379 --dial-timeout=1s --command-timeout=1s endpoint health` });
      }
    }
    const results = await Promise.all(
      probes.map(async (p) => {
        const r = await execIn(this.container(p.from), ['sh', '-c', `${p.cmd} >/dev/null 2>&1; echo $?`], { check: false, timeoutMs: 10_000 });
        // pg_isready: 0 accepting, 1 rejecting (it answered), 2 no response; etcdctl: 0 healthy.
        const code = Number(r.stdout.trim());
        const open = p.cmd.startsWith('pg_isready') ? code === 0 || code === 1 : code === 0;
        return { ...p, open };
      }),
    );
    const lines = results.map((r) => `${r.from.name} → ${r.to.name} ${r.to.role === 'etcd' ? 'etcd' : 'postgres'} ${r.open ? 'answers' : 'no answer'}`);
    const open = results.filter((r) => r.open).map((r) => r.to.name);
    const closed = results.filter((r) => !r.open).map((r) => r.to.name);
    // Nothing could be probed (every instance on a side down): no evidence either way.
    if (results.length === 0) return { open: ['(nothing to probe)'], closed: ['(nothing to probe)'], lines: ['no running member to probe from'] };
    return { open, closed, lines };
  }

  private async runningMember(members: readonly StackMember[]): Promise<StackMember | undefined> {
    for (const m of members) {
      const state = await this.state(m);
      if (state?.Running && !state.Paused) return m;
    }
    return undefined;
  }

  private async state(member: StackMember): Promise<Docker.ContainerInspectInfo['State'] | null> {
    try {
      return (await this.container(member).inspect()).State;
    } catch {
      return null;
    }
  }

  private member(name: string): StackMember {
    const member = [...this.layout.postgres, ...this.layout.etcd, this.layout.repo, this.layout.haproxy].find((m) => m.name === name);
    if (!member) throw new InfrastructureError(`no member named ${name} in this stack`);
    return member;
  }

  private zoneMembers(zone: string): StackMember[] {
    const members = [...this.layout.postgres, ...this.layout.etcd].filter((m) => m.zone === zone);
    if (members.length === 0) throw new InfrastructureError(`no zone named ${zone} in this stack`);
    return members;
  }

  private container(member: StackMember): Docker.Container {
    return this.docker.getContainer(member.containerName);
  }

  private async kill(member: StackMember): Promise<void> {
    const container = this.container(member);
    await container.kill({ signal: 'SIGKILL' }).catch(ignoreStatus(409));
    // Return only once nothing of it runs: until then an old primary may still answer.
    await waitUntilStopped(container, 10_000);
  }

  private async start(member: StackMember): Promise<void> {
    await this.container(member).start().catch(ignoreStatus(304));
  }

  /**
   * `incoming` only: packets from the addresses are refused and nothing the
   * member sends is filtered (a REJECT's own answer leaves through OUTPUT,
   * where a rule on the destination would swallow it).
   */
  private async block(member: StackMember, chain: Chain, ips: string[], action: 'DROP' | 'REJECT', only?: 'incoming'): Promise<void> {
    const rules = ips.flatMap((ip) => [`iptables -A ${chain} -s ${ip} -j ${action}`, ...(only === 'incoming' ? [] : [`iptables -A ${chain} -d ${ip} -j ${action}`])]);
    const script = [
      'set -e',
      `iptables -N ${chain} 2>/dev/null || iptables -F ${chain}`,
      `iptables -C INPUT -j ${chain} 2>/dev/null || iptables -I INPUT -j ${chain}`,
      `iptables -C OUTPUT -j ${chain} 2>/dev/null || iptables -I OUTPUT -j ${chain}`,
      ...rules,
    ].join('\n');
    await execIn(this.container(member), ['sh', '-c', script], { timeoutMs: 15_000, label: `iptables ${chain} on ${member.name}` });
  }

  private async unblock(member: StackMember, chain: Chain): Promise<void> {
    const container = this.container(member);
    // A stopped container loses its network namespace, rules included.
    if (!(await isRunning(container))) return;
    await execIn(container, ['sh', '-c', `iptables -F ${chain} 2>/dev/null || true`], { timeoutMs: 15_000, label: `flush ${chain} on ${member.name}` });
  }
}

/** The rules pgdrill left in a container (for tests and leak checks): lines of `iptables -S` naming its chains. */
export async function pgdrillRules(container: Docker.Container): Promise<string[]> {
  const result = await execIn(container, ['iptables', '-S'], { check: false, timeoutMs: 10_000 });
  return result.stdout.split('\n').filter((l) => l.includes('PGDRILL') && l.startsWith('-A PGDRILL'));
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

async function isRunning(container: Docker.Container): Promise<boolean> {
  try {
    // A paused container counts as running: exec then fails and the heal is reported as failed, never skipped.
    return (await container.inspect()).State.Running;
  } catch {
    return false;
  }
}

async function waitUntilStopped(container: Docker.Container, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!(await container.inspect()).State.Running) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new InfrastructureError(`container ${container.id.slice(0, 12)} still runs ${timeoutMs / 1000}s after SIGKILL`);
}

function ignoreStatus(status: number): (error: unknown) => void {
  return (error) => {
    if ((error as { statusCode?: number }).statusCode === status) return;
    throw error;
  };
}
