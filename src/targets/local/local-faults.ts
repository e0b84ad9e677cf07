import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import type { FaultPrimitives } from '../target.ts';
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
export class LocalFaultPrimitives implements FaultPrimitives {
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

  async killPostgres(name: string): Promise<void> {
    // Every postgres process at once (postmaster and backends), as an OOM kill
    // or a crash would: a backend left running could still acknowledge a commit.
    await execIn(this.container(this.member(name)), ['pkill', '-KILL', '-x', 'postgres'], { timeoutMs: 10_000 });
  }

  async switchover(primary: string, candidate: string): Promise<void> {
    await this.patroni(primary).switchover(primary, candidate);
  }

  async freezeInstance(name: string): Promise<void> {
    await this.container(this.member(name)).pause();
  }

  async thawInstance(name: string): Promise<void> {
    const container = this.container(this.member(name));
    if ((await container.inspect()).State.Paused) await container.unpause();
  }

  async stopZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.kill(m)));
  }

  async startZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.start(m)));
  }

  async isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void> {
    const isolated = names.map((n) => this.member(n));
    const peers = [...this.layout.postgres, ...(options.fromDcs ? this.layout.etcd : [])].filter((m) => !isolated.includes(m));
    await Promise.all(isolated.map((m) => this.block(m, 'PGDRILL-PART', peers.map((p) => p.ip), 'DROP')));
  }

  async rejoinInstances(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.unblock(this.member(n), 'PGDRILL-PART')));
  }

  async isolateZone(zone: string): Promise<void> {
    const inside = this.zoneMembers(zone);
    const outside = [...this.layout.postgres, ...this.layout.etcd].filter((m) => !inside.includes(m));
    await Promise.all(inside.map((m) => this.block(m, 'PGDRILL-PART', outside.map((p) => p.ip), 'DROP')));
  }

  async rejoinZone(zone: string): Promise<void> {
    await Promise.all(this.zoneMembers(zone).map((m) => this.unblock(m, 'PGDRILL-PART')));
  }

  async stallArchive(): Promise<void> {
    // REJECT, not DROP: archive-push then fails at once and the archiver's failures show while the stall lasts.
    await Promise.all(this.layout.postgres.map((m) => this.block(m, 'PGDRILL-ARCH', [this.layout.repo.ip], 'REJECT')));
  }

  async resumeArchive(): Promise<void> {
    await Promise.all(this.layout.postgres.map((m) => this.unblock(m, 'PGDRILL-ARCH')));
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

  private async block(member: StackMember, chain: Chain, ips: string[], action: 'DROP' | 'REJECT'): Promise<void> {
    const rules = ips.flatMap((ip) => [`iptables -A ${chain} -s ${ip} -j ${action}`, `iptables -A ${chain} -d ${ip} -j ${action}`]);
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
