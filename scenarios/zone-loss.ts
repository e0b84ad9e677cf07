import { defineScenario, heal, inject, wait } from 'pgdrill';

// A whole zone goes dark at once: the primary's database node and the etcd
// member beside it. The two other zones keep an etcd quorum and a standby
// that was synchronous, so failover must lose nothing.
// On kind (CloudNativePG) the fault lasts 50 s: the operator fails over only
// once the node is declared unreachable (10-17 s with kind-config/'s timings)
// and its own failover then takes up to 30 s (docs/kubernetes.md).
export default defineScenario({
  name: 'zone-loss',
  description: "Lose the primary's whole zone (database node and etcd member): failover, no acknowledged write lost",
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('zone-loss', { id: 'zone', target: 'primary-zone' }), wait('22s', { kind: '50s' }), heal('zone'), wait('6s')],
  thresholds: ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0', 'phantom_writes == 0', 'unexpected_writes == 0'],
  byTarget: { kind: { thresholds: ['rto_seconds <= 50'] } },
});
