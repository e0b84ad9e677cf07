import { defineScenario, heal, inject, wait } from 'pgdrill';

// Symmetric halves: the primary's zone (database node and etcd member) cut
// off from the two other zones. The majority side elects a new leader; the
// minority side must stop acknowledging writes.
// On kind (CloudNativePG) the fault lasts 50 s: the operator fails over only
// once the node is declared unreachable (10-17 s with kind-config/'s timings)
// and its own failover then takes up to 30 s (docs/kubernetes.md).
// On an existing cluster the partition is made of NetworkPolicies: the
// kubelet still sees the pod Ready, and CloudNativePG waits until the
// instance manager's isolation check fails its liveness probe (about 30 s).
export default defineScenario({
  name: 'partition-halves',
  description: "Cut the primary's zone off from the other two: the majority takes over, no write lost, no split-brain",
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('partition', { id: 'halves', target: 'primary-zone' }), wait('22s', { kind: '50s', kubernetes: '75s' }), heal('halves'), wait('6s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0', 'rto_seconds <= 40'],
  byTarget: { kind: { thresholds: ['rto_seconds <= 50'] }, kubernetes: { thresholds: ['rto_seconds <= 90'] } },
});
