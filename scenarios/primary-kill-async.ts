import { defineScenario, heal, inject, wait } from 'pgdrill';

// The same kill with asynchronous replication: a failover may lose the writes
// the standby had not received yet. This drill measures how many, and over
// which window (rpo_seconds), instead of gating on zero.
export default defineScenario({
  name: 'primary-kill-async',
  description: 'Kill the primary container under asynchronous replication: measures the writes lost (RPO) and the RTO',
  cluster: {
    zones: ['a', 'b', 'c'],
    synchronous: 'off',
    patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('6s'),
    inject('primary-kill', { id: 'kill' }),
    wait('22s'),
    heal('kill'),
    wait('10s'),
  ],
  thresholds: [
    'rto_seconds <= 30',
    'split_brain_windows == 0',
    'phantom_writes == 0',
    'unexpected_writes == 0',
  ],
});
