import { PRIMARY_TIMELINE_SQL } from './writes-table.ts';

/**
 * An instance's timeline, on a primary or a replica alike. On a primary:
 * from the current WAL file name (pg_control_checkpoint() lags until the
 * next checkpoint after a promotion). On a replica: the timeline it
 * receives from its upstream, else the last checkpoint's (no WAL receiver:
 * restoring from the archive, or disconnected).
 */
export const INSTANCE_TIMELINE_SQL = `CASE WHEN pg_is_in_recovery()
    THEN coalesce((SELECT nullif(received_tli, 0) FROM pg_stat_wal_receiver LIMIT 1), (pg_control_checkpoint()).timeline_id)
    ELSE ${PRIMARY_TIMELINE_SQL}
  END`;
