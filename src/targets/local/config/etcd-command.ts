import type { StackLayout, StackMember } from '../stack-layout.ts';

/** The etcd command line for one member of the run's DCS cluster. */
export function etcdCommand(layout: StackLayout, member: StackMember): string[] {
  const cluster = layout.etcd.map((m) => `${m.name}=http://${m.ip}:2380`).join(',');
  return [
    'etcd',
    `--name=${member.name}`,
    '--data-dir=/var/lib/etcd/data',
    `--listen-peer-urls=http://${member.ip}:2380`,
    `--listen-client-urls=http://${member.ip}:2379,http://127.0.0.1:2379`,
    `--advertise-client-urls=http://${member.ip}:2379`,
    `--initial-advertise-peer-urls=http://${member.ip}:2380`,
    `--initial-cluster=${cluster}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${layout.networkName}`,
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    '--log-level=warn',
    // Patroni's etcd (v2) module needs the v2 API; the v3 API stays on too.
    '--enable-v2=true',
  ];
}
