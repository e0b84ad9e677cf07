import { defineScenario, heal, inject, wait } from 'pgdrill';

// The same partition under strict synchronous replication: the cut-off
// primary cannot get a standby's confirmation, so it acknowledges nothing
// the new primary lacks. No write may be lost, no split-brain may show.
export default defineScenario({
  name: 'primary-partition-strict',
  description: 'Partition the primary under strict synchronous replication: failover, no acknowledged write lost, no split-brain',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'strict', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('partition', { id: 'cut', target: 'primary' }), wait('22s'), heal('cut'), wait('12s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0', 'rto_seconds <= 40'],
});
