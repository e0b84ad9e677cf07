import { defineScenario, heal, inject, wait } from 'pgdrill';

// The synchronous standby's container killed: Patroni hands the synchronous
// role to the other replica. No failover, nothing acknowledged lost.
export default defineScenario({
  name: 'replica-kill',
  description: 'Kill the synchronous standby: the other replica becomes synchronous, no failover, nothing lost',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('replica-kill', { id: 'kill' }), wait('22s'), heal('kill'), wait('6s')],
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'unexpected_writes == 0', 'rto_seconds <= 30'],
});
