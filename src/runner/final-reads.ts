import type pg from 'pg';
import { withClient } from '../postgres/client.ts';
import type { FinalReads, InstanceRows } from '../checks/final-reads.ts';
import type { StartedTarget } from '../targets/target.ts';
import { WRITES_TABLE } from '../postgres/writes-table.ts';

const CATCH_UP_MS = 60_000;
const FINAL_READ = { application: 'pgdrill-final-read' };

/**
 * Reads every row key back from every instance, directly. Each replica is
 * first given time to replay up to the primary's current LSN, so that a
 * difference found later is a divergence, not replication still in flight.
 */
export async function readFinalRows(
  target: StartedTarget,
  primary: string | null,
  options: {
    verifyBackups?: boolean;
    /** Only rows whose key starts with this (a drill inside a restored cluster: the restored rows were checked by the restore). */
    keyPrefix?: string;
  } = {},
): Promise<FinalReads> {
  let primaryLsn: string | null = null;
  const primaryEndpoint = target.instances.find((i) => i.name === primary);
  if (primaryEndpoint) {
    primaryLsn = await withClient(primaryEndpoint.connection, FINAL_READ, async (c) => {
      const { rows } = await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      return rows[0]!.lsn;
    }).catch(() => null);
  }
  const instances: InstanceRows[] = await Promise.all(
    target.instances.map(async (instance): Promise<InstanceRows> => {
      try {
        const keys = await withClient(instance.connection, FINAL_READ, async (c) => {
          if (instance.name !== primary && primaryLsn !== null) await waitForReplay(c, primaryLsn, instance.name);
          const { rows } =
            options.keyPrefix === undefined
              ? await c.query<{ key: string }>(`SELECT key FROM ${WRITES_TABLE}`)
              : await c.query<{ key: string }>(`SELECT key FROM ${WRITES_TABLE} WHERE starts_with(key, $1)`, [options.keyPrefix]);
          return new Set(rows.map((r) => r.key));
        });
        return { instance: instance.name, keys: { keys: () => keys } };
      } catch (error) {
        return { instance: instance.name, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  let archive: FinalReads['archive'];
  if (target.archivedWal) {
    archive = await target.archivedWal().then(
      (files) => ({ files }),
      (error: unknown) => ({ error: `listing the repository failed: ${error instanceof Error ? error.message : String(error)}` }),
    );
  }
  const backups = target.backups ? await target.backups.listBackups().catch(() => undefined) : undefined;
  let verification: FinalReads['verification'];
  if (options.verifyBackups && target.backups?.verify) {
    verification = await target.backups.verify().catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  }
  return { primary, instances, ...(archive ? { archive } : {}), ...(backups ? { backups } : {}), ...(verification ? { verification } : {}) };
}

/** Until the instance behind `client` replayed up to `lsn`; throws naming it after 60 s. */
export async function waitForReplay(client: pg.Client, lsn: string, name: string): Promise<void> {
  const deadline = performance.now() + CATCH_UP_MS;
  while (performance.now() < deadline) {
    const { rows } = await client.query<{ caught_up: boolean | null }>(
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up',
      [lsn],
    );
    if (rows[0]?.caught_up) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not replay up to the primary's LSN ${lsn} within ${CATCH_UP_MS / 1000}s`);
}
