import { defineScenario, heal, inject, wait } from 'pgdrill';

// The drill every HA setup must pass: SIGKILL the primary's container while
// writes flow. With synchronous replication an acknowledged write is on a
// standby, so failover must lose none; Patroni's timings bound the RTO
// (the leader key expires within ttl, a standby takes over on its next loop).
export default defineScenario({
  name: 'primary-kill',
  description: 'Kill the primary container (SIGKILL) under synchronous replication: failover within 30 s, no acknowledged write lost',
  cluster: {
    zones: ['a', 'b', 'c'],
    synchronous: 'on',
    patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('6s'),
    inject('primary-kill', { id: 'kill', target: 'primary' }),
    wait('22s'),
    heal('kill'),
    wait('10s'),
  ],
  thresholds: [
    'rto_seconds <= 30',
    'lost_writes == 0',
    'split_brain_windows == 0',
    'phantom_writes == 0',
    'unexpected_writes == 0',
    // Recovery to the end: HA back (the old primary streaming again) and the RTO within what the timings predict.
    'ha_restored_seconds <= 60',
    'rto_excess_seconds <= 0',
  ],
});
