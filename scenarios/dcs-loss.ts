import { defineScenario, heal, inject, wait } from 'pgdrill';

// Two of the three etcd members stopped: Patroni loses its source of truth.
// Without failsafe mode it demotes the leader rather than risk two primaries:
// writes stop until etcd returns, and nothing acknowledged is lost.
export default defineScenario({
  name: 'dcs-loss',
  description: 'Lose the etcd majority without failsafe mode: Patroni demotes the leader, writes stop, nothing is lost',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', failsafe: false, patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('dcs-loss', { id: 'dcs' }), wait('20s'), heal('dcs'), wait('12s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'no_primary_seconds >= 5', 'rto_seconds <= 60'],
});
