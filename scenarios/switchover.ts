import { defineScenario, switchover, wait } from 'pgdrill';

// A planned switchover (maintenance, upgrades): the HA engine demotes the
// primary cleanly and promotes a synchronous standby, so the pause must be
// short and nothing acknowledged may be lost.
export default defineScenario({
  name: 'switchover',
  description: 'Planned switchover through the HA engine: writes back within 15 s, no acknowledged write lost',
  cluster: {
    zones: ['a', 'b', 'c'],
    synchronous: 'on',
    patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('6s'),
    switchover({ id: 'switchover' }),
    wait('20s'),
  ],
  thresholds: [
    'rto_seconds <= 15',
    'lost_writes == 0',
    'split_brain_windows == 0',
    'phantom_writes == 0',
    'unexpected_writes == 0',
  ],
  // CloudNativePG's own budget for writes to resume after a switchover (tests/e2e/fastswitchover_test.go: 20 s).
  byTarget: { kind: { thresholds: ['rto_seconds <= 20'] }, kubernetes: { thresholds: ['rto_seconds <= 20'] } },
});
