import { defineScenario, heal, inject, wait } from 'pgdrill';

// Symmetric halves: the primary's zone (database node and etcd member) cut
// off from the two other zones. The majority side elects a new leader; the
// minority side must stop acknowledging writes.
export default defineScenario({
  name: 'partition-halves',
  description: "Cut the primary's zone off from the other two: the majority takes over, no write lost, no split-brain",
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('partition', { id: 'halves', target: 'primary-zone' }), wait('22s'), heal('halves'), wait('12s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0', 'rto_seconds <= 40'],
});
