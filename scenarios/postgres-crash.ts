import { defineScenario, heal, inject, wait } from 'pgdrill';

// Only postgres dies (SIGKILL of every postgres process), the container and Patroni live on:
// Patroni restarts postgres in place (crash recovery) or fails over, whichever
// it decides. Either way committed writes survive the crash.
export default defineScenario({
  name: 'postgres-crash',
  description: 'Kill the primary postgres processes (not the container): crash recovery or failover, no acknowledged write lost',
  cluster: {
    zones: ['a', 'b', 'c'],
    synchronous: 'on',
    patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('6s'),
    inject('postgres-kill', { id: 'crash', target: 'primary' }),
    wait('22s'),
    heal('crash'),
    wait('10s'),
  ],
  thresholds: [
    'rto_seconds <= 30',
    'lost_writes == 0',
    'split_brain_windows == 0',
    'phantom_writes == 0',
    'unexpected_writes == 0',
  ],
});
