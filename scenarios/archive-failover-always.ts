import { defineScenario, heal, inject, wait, waitHealthy } from 'pgdrill';

// archive-failover with archive_mode = always: the standbys archive the WAL
// they received too, so the segments the killed primary never archived
// reach the repository from the standbys once the stall is healed, and the
// old timeline's WAL chain has no hole.
export default defineScenario({
  name: 'archive-failover-always',
  description: 'Archive stalled, then the primary killed, with archive_mode always: the standbys archive what the primary could not (no gap)',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 }, archive: 'always' },
  workload: { writers: 4, rate: 100 },
  steps: [
    wait('3s'),
    inject('stalled-archive', { id: 'stall' }),
    wait('12s'),
    inject('primary-kill', { id: 'kill' }),
    // Longer than the leader ttl on every stack generation (Patroni 4 runs at least 20 s): a failover, not a restart in place.
    wait('25s'),
    heal('kill'),
    // Until the old primary is back on the new timeline (after Patroni's
    // crash recovery or pg_rewind, and its attempt to archive what it had:
    // each .ready segment's archive-push takes about 6 s to fail while the
    // repository refuses (io-timeout 3), 3 to 4 segments here; about 40 s
    // measured).
    waitHealthy('100s'),
    heal('stall'),
    wait('10s'),
  ],
  // rejoin_seconds holds the premise: a failover, and the old primary back as a replica. Without one
  // (a kill shorter than the leader ttl) it is unmeasured and the drill inconclusive, never a pass.
  thresholds: ['lost_writes == 0', 'split_brain_windows == 0', 'archive_gaps == 0', 'rejoin_seconds <= 150'],
});
