import { defineScenario, heal, inject, wait } from 'pgdrill';

// The same etcd majority loss with Patroni's failsafe mode: every member
// still answers the leader over the REST API, so the leader keeps running
// and writes go on.
export default defineScenario({
  name: 'dcs-loss-failsafe',
  description: 'Lose the etcd majority with failsafe mode on: the primary keeps serving writes',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', failsafe: true, patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('dcs-loss', { id: 'dcs' }), wait('20s'), heal('dcs'), wait('12s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'no_primary_seconds <= 1', 'write_downtime_seconds <= 5'],
});
