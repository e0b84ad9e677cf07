import { defineScenario, heal, inject, wait } from 'pgdrill';

// The primary is cut off from the replicas and from etcd, but clients (and
// HAProxy) still reach it. With asynchronous replication it keeps
// acknowledging writes until Patroni demotes it, while a replica is promoted:
// those writes are lost when it rejoins. This drill is expected to FAIL its
// gate: it shows what asynchronous replication costs.
export default defineScenario({
  name: 'primary-partition-async',
  description: 'Partition the primary under asynchronous replication: the drill must catch the lost writes (expected to fail)',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'off', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('partition', { id: 'cut', target: 'primary' }), wait('22s'), heal('cut'), wait('6s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0'],
});
