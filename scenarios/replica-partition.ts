import { defineScenario, heal, inject, wait } from 'pgdrill';

// A replica (the synchronous standby) cut off from the primary and etcd.
// Patroni must hand the synchronous role to the other replica; commits may
// wait meanwhile, but nothing acknowledged may be lost and no failover happens.
// Commits can wait until the heal (the cut standby's walsender lingers, so
// Patroni may keep it synchronous): the last wait is where writes resume.
export default defineScenario({
  name: 'replica-partition',
  description: 'Partition the synchronous standby: commits may wait, no failover, no acknowledged write lost',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('partition', { id: 'cut', target: 'replica' }), wait('22s'), heal('cut'), wait('12s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0', 'rto_seconds <= 90'],
});
