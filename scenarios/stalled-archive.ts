import { defineScenario, heal, inject, wait } from 'pgdrill';

// The backup repository unreachable from the database nodes for 40 s. While
// it lasts the report must show archive failures, the last archived WAL
// getting older and WAL piling up on the primary; after the heal archiving
// catches up and the repository's WAL chain has no gap.
export default defineScenario({
  name: 'stalled-archive',
  description: 'Cut the WAL archive off for 40 s: failures and backlog visible while it lasts, caught up after, no gap in the chain',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('5s'), inject('stalled-archive', { id: 'stall' }), wait('40s'), heal('stall'), wait('15s')],
  thresholds: [
    'archive_failed_count > 0',
    'archive_max_age_seconds >= 30',
    'wal_retained_max_bytes > 0',
    'archive_catchup_seconds <= 20',
    'archive_gaps == 0',
    'lost_writes == 0',
  ],
});
