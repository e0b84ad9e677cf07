import { defineScenario, heal, inject, wait, waitHealthy } from 'pgdrill';

// WAL the primary had not archived when it died: the archive is stalled long
// enough for segments to complete unarchived (archive_timeout is 10 s), then
// the primary is killed, and it comes back while the repository is still
// unreachable. With archive_mode = on only a primary archives; Patroni
// (3.0.2) tries the old primary's .ready segments once before its crash
// recovery or pg_rewind and then drops their status, so with the archive
// still down they never reach the repository: a hole in the WAL chain of the
// old timeline, which every recovery across it would hit. (Had the archive
// come back first, Patroni's attempt would have saved them.) Expected to
// FAIL on archive_gaps; archive-failover-always is the same drill with the fix.
export default defineScenario({
  name: 'archive-failover',
  description: 'Archive stalled, then the primary killed (archive_mode on): the WAL it had not archived is never archived (expected to fail on archive_gaps)',
  cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 }, archive: 'on' },
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
