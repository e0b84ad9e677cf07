import { defineScenario, rollingRestart, wait } from 'pgdrill';

// What an upgrade's restart does to clients: each replica restarted in
// turn, a switchover, then the former primary restarted. On local pgdrill
// drives it through Patroni (to the synchronous standby); on kind and
// kubernetes CloudNativePG's operator runs its own rolling restart (what
// `kubectl cnpg restart` asks for: each pod recreated, the primary's role
// switched over first). Writes pause at the switchover (and while the
// synchronous standby restarts); nothing acknowledged may be lost.
export default defineScenario({
  name: 'rolling-restart',
  description: 'Rolling restart through the HA engine (replicas, switchover, former primary): write downtime measured, no acknowledged write lost',
  cluster: {
    zones: ['a', 'b', 'c'],
    synchronous: 'on',
    patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('6s'),
    rollingRestart({ id: 'rolling' }),
    wait('10s'),
  ],
  thresholds: [
    'rto_seconds <= 15',
    'write_downtime_seconds <= 15',
    'lost_writes == 0',
    'split_brain_windows == 0',
    'phantom_writes == 0',
    'unexpected_writes == 0',
  ],
});
