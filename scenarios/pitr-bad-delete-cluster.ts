import { defineScenario, heal, inject, mark, restore, sql, wait } from 'pgdrill';

// pitr-bad-delete, restored as users restore: into a full 3-zone cluster of
// its own (one instance per zone, Patroni, HAProxy), bootstrapped from the
// repository. Every restored instance must hold exactly the rows the ledger
// expects at T, the replicas must stream within the bound, and a primary
// kill inside the restored cluster must pass: the restore is HA, not only
// readable. The drill inside has its own workload, history and report.
export default defineScenario({
  name: 'pitr-bad-delete-cluster',
  description: 'Mark T, delete most rows by mistake, restore to T into a 3-zone cluster, then kill its primary',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('10s'),
    mark('before-delete'),
    wait('3s'),
    sql("DELETE FROM pgdrill_writes WHERE right(key, 1) <> '7'"),
    wait('3s'),
    restore('before-delete', {
      shape: 'cluster',
      drill: {
        steps: [wait('6s'), inject('primary-kill', { id: 'kill', target: 'primary' }), wait('22s'), heal('kill'), wait('10s')],
        thresholds: ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0', 'ha_restored_seconds <= 60'],
      },
    }),
  ],
  thresholds: [
    'restore_missing_writes == 0',
    'restore_unexpected_writes == 0',
    'restore_seconds <= 120',
    'restore_ha_seconds <= 180',
    'restore_instances_differing == 0',
    'restored_drill_failures == 0',
    'lost_writes == 0',
    'deleted_by_scenario > 0',
    'backup_verify_errors == 0',
  ],
});
