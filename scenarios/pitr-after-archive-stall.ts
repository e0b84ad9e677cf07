import { defineScenario, heal, inject, mark, restore, wait } from 'pgdrill';

// The archive stalls; a recovery target is marked while it is stalled; once
// healed, archiving catches up, and a restore to that target must succeed
// with every write acknowledged before it.
export default defineScenario({
  name: 'pitr-after-archive-stall',
  description: 'Stall the WAL archive, mark T inside the stall, heal, then restore to T: every write acknowledged before T back',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('5s'),
    inject('stalled-archive', { id: 'stall' }),
    wait('15s'),
    mark('inside-stall'),
    wait('10s'),
    heal('stall'),
    wait('10s'),
    restore('inside-stall'),
  ],
  thresholds: ['restore_missing_writes == 0', 'restore_unexpected_writes == 0', 'archive_failed_count > 0', 'archive_gaps == 0', 'backup_verify_errors == 0'],
});
