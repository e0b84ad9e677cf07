import { defineScenario, heal, inject, wait } from 'pgdrill';

// A replica's link degraded (delay and loss with tc netem; a rate limit where
// the kernel has no netem): replication falls behind, visible as lag, while
// the primary keeps serving asynchronous writes.
export default defineScenario({
  name: 'replica-lag',
  description: "Degrade a replica's network link: replication lag shows, writes go on, nothing is lost",
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'off', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('replica-lag', { id: 'lag' }), wait('30s'), heal('lag'), wait('6s')],
  thresholds: ['replication_lag_max_bytes > 0', 'lost_writes == 0', 'unexpected_writes == 0', 'write_downtime_seconds <= 5'],
});
