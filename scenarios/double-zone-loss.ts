import { defineScenario, heal, inject, wait } from 'pgdrill';

// Both replica zones lost under strict synchronous replication. etcd runs in
// a zone of its own, so the primary keeps its leader key: it must refuse to
// acknowledge writes (they wait for a synchronous standby that is gone)
// rather than lose them. The report shows "blocked on a synchronous
// standby", not "no primary"; once the zones return, writes resume (the
// last wait leaves room for both to restart, catch up and one to become
// the synchronous standby: 12 s was too short on a loaded machine).
export default defineScenario({
  name: 'double-zone-loss',
  description: 'Lose both replica zones under strict synchronous replication: writes block instead of being lost, then resume',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'strict', dcs: 'separate', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('6s'), inject('zone-loss', { id: 'zones', target: 'replica-zones' }), wait('20s'), heal('zones'), wait('16s')],
  thresholds: [
    'lost_writes == 0',
    'split_brain_windows == 0',
    'writes_blocked_on_sync_seconds >= 10',
    'no_primary_seconds <= 2',
    'rto_seconds <= 60',
  ],
});
