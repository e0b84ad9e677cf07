import { defineScenario, heal, inject, wait } from 'pgdrill';

// The primary frozen (docker pause) for longer than the leader ttl, then
// resumed: meanwhile a replica took over. When the old primary wakes it must
// not accept writes (Patroni demotes it; HAProxy cut its sessions).
// On kind (CloudNativePG) the fault lasts 50 s: the operator fails over only
// once the node is declared unreachable (10-17 s with kind-config/'s timings)
// and its own failover then takes up to 30 s (docs/kubernetes.md).
export default defineScenario({
  name: 'freeze',
  description: 'Freeze the primary longer than the leader ttl, then resume it: it must not accept writes after it wakes',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('freeze', { id: 'freeze', target: 'primary' }), wait('22s', { kind: '50s' }), heal('freeze'), wait('6s')],
  thresholds: ['split_brain_windows == 0', 'lost_writes == 0', 'unexpected_writes == 0', 'rto_seconds <= 30'],
  byTarget: { kind: { thresholds: ['rto_seconds <= 50'] } },
});
