import { backup, defineScenario, heal, inject, restore, wait } from 'pgdrill';

// A primary killed, the cluster failed over, a backup taken on the new
// timeline, then a restore to the end of WAL from it: every acknowledged
// write must be in it, across the timeline switch, and the repository must
// verify clean.
export default defineScenario({
  name: 'pitr-latest',
  description: 'Kill the primary, back up on the new timeline, then restore to the end of WAL: every acknowledged write is in the restore',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } },
  workload: { writers: 4, rate: 100 },
  steps: [wait('10s'), inject('primary-kill', { id: 'kill' }), wait('20s'), heal('kill'), wait('10s'), backup('full'), wait('3s'), restore('latest')],
  thresholds: ['restore_missing_writes == 0', 'restore_unexpected_writes == 0', 'lost_writes == 0', 'restore_seconds <= 120', 'backup_verify_errors == 0'],
});
