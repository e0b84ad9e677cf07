import { defineScenario, mark, restore, sql, wait } from 'pgdrill';

// The fat-fingered DELETE: writes flow, a recovery target T is marked, then
// most rows are deleted. A restore to T into a fresh instance must hold every
// write acknowledged before T and none invoked after it; the restore's own
// duration is measured. The rows the DELETE removed are counted as
// deleted_by_scenario, so the live cluster must still lose no other write.
export default defineScenario({
  name: 'pitr-bad-delete',
  description: 'Mark T, delete most rows by mistake, restore to T: every write acknowledged before T back, none after',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('10s'),
    mark('before-delete'),
    wait('3s'),
    sql("DELETE FROM pgdrill_writes WHERE right(key, 1) <> '7'"),
    wait('3s'),
    restore('before-delete'),
  ],
  thresholds: ['restore_missing_writes == 0', 'restore_unexpected_writes == 0', 'restore_seconds <= 120', 'lost_writes == 0', 'deleted_by_scenario > 0', 'backup_verify_errors == 0'],
});
