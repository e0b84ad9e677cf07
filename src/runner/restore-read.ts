import type pg from 'pg';
import { classifyForRestore, keyList, type RestoredInstanceRows, type RestoreExpectation, type RestoreRead } from '../checks/restore.ts';
import { connectClient, withClient } from '../postgres/client.ts';
import type { HistoryEvent } from '../history/events.ts';
import type { RestoredCluster } from '../targets/target.ts';
import { WRITES_TABLE } from '../postgres/writes-table.ts';
import { waitForReplay } from './final-reads.ts';

const BATCH = 20_000;
/** The restored rows' count and md5 over their sorted keys. */
const SUMMARY_SQL = `SELECT count(*) AS rows, md5(coalesce(string_agg(key, ',' ORDER BY key), '')) AS checksum FROM ${WRITES_TABLE}`;
const EVIDENCE = 1_000;
const CODES: Record<RestoreExpectation, string> = { must: 'm', 'must-not': 'n', either: 'e' };

export interface RestoreReadRequest {
  name: string;
  target: string;
  /** Recovery target time (epoch ms) the writes are judged against. */
  targetMs: number;
  mode: 'time' | 'latest';
  seconds: number;
  /** Rows the scenario's own SQL removed, and when (epoch ms): before the target they must not be in the restore. */
  deletions?: readonly { keys: readonly string[]; atMs: number }[];
}

/**
 * Compares a restored cluster with the ledger inside PostgreSQL: the
 * expectation of every write (must / must-not / either) is streamed into a
 * temporary table in batches, and the missing and unexpected keys are found
 * with two anti-joins. The harness never holds every key at once.
 */
export async function readRestore(
  restored: Pick<RestoredCluster, 'primary' | 'reached'>,
  history: Iterable<HistoryEvent> | AsyncIterable<HistoryEvent>,
  request: RestoreReadRequest,
): Promise<RestoreRead> {
  const client = await connectClient(restored.primary, { application: 'pgdrill-restore-check' });
  try {
    await client.query('CREATE TEMP TABLE pgdrill_expected (key text PRIMARY KEY, expect "char" NOT NULL)');
    let keys: string[] = [];
    let codes: string[] = [];
    let expectedMin = 0;
    let expectedMax = 0;
    const flush = async (): Promise<void> => {
      if (keys.length === 0) return;
      await client.query('INSERT INTO pgdrill_expected SELECT * FROM unnest($1::text[], $2::"char"[])', [keys, codes]);
      keys = [];
      codes = [];
    };
    for await (const [key, expectation] of classifyForRestore(history, request.targetMs, request.mode)) {
      if (expectation === 'must') expectedMin += 1;
      if (expectation !== 'must-not') expectedMax += 1;
      keys.push(key);
      codes.push(CODES[expectation]);
      if (keys.length >= BATCH) await flush();
    }
    await flush();
    for (const deletion of request.deletions ?? []) {
      if (deletion.atMs >= request.targetMs || deletion.keys.length === 0) continue;
      // Deleted by the scenario before the target: recovery to the target replays the DELETE too.
      const { rows } = await client.query<{ expect: string; n: string }>(
        'SELECT expect, count(*) AS n FROM pgdrill_expected WHERE key = ANY($1::text[]) GROUP BY expect',
        [deletion.keys],
      );
      for (const r of rows) {
        if (r.expect === CODES.must) expectedMin -= Number(r.n);
        if (r.expect !== CODES['must-not']) expectedMax -= Number(r.n);
      }
      await client.query(`UPDATE pgdrill_expected SET expect = '${CODES['must-not']}' WHERE key = ANY($1::text[])`, [deletion.keys]);
    }
    await client.query('ANALYZE pgdrill_expected');

    const summary = await client.query<{ rows: string; checksum: string | null }>(SUMMARY_SQL);
    const missing = await keysAndCount(
      client,
      `FROM pgdrill_expected e WHERE e.expect = 'm' AND NOT EXISTS (SELECT 1 FROM ${WRITES_TABLE} w WHERE w.key = e.key)`,
      'e.key',
    );
    const unexpected = await keysAndCount(
      client,
      `FROM ${WRITES_TABLE} w LEFT JOIN pgdrill_expected e ON e.key = w.key WHERE e.key IS NULL OR e.expect = 'n'`,
      'w.key',
    );
    return {
      name: request.name,
      target: request.target,
      targetTime: request.mode === 'time' ? new Date(request.targetMs).toISOString() : null,
      seconds: request.seconds,
      rowCount: Number(summary.rows[0]!.rows),
      checksum: summary.rows[0]!.checksum ?? '',
      expectedMin,
      expectedMax,
      missing,
      unexpected,
      reached: restored.reached,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function keysAndCount(client: pg.Client, fromWhere: string, keyColumn: string): Promise<RestoreRead['missing']> {
  const count = await client.query<{ n: string }>(`SELECT count(*) AS n ${fromWhere}`);
  const first = await client.query<{ key: string }>(`SELECT ${keyColumn} AS key ${fromWhere} ORDER BY 1 LIMIT ${EVIDENCE}`);
  return keyList(Number(count.rows[0]!.n), first.rows.map((r) => r.key));
}

/**
 * A cluster restore's ledger check on every instance: the primary was
 * compared with the ledger; each restored replica, once it replayed up to
 * the primary's current LSN, must hold the same rows (count and md5 over
 * the sorted keys), which makes the same ledger verdict hold for it.
 */
export async function readRestoredInstances(restored: Pick<RestoredCluster, 'primary' | 'instances'>, primary: Pick<RestoreRead, 'rowCount' | 'checksum'>): Promise<RestoredInstanceRows[]> {
  const primaryLsn = await withClient(restored.primary, { application: 'pgdrill-restore-check' }, async (c) => (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn);
  return Promise.all(
    restored.instances.map(async (instance): Promise<RestoredInstanceRows> => {
      const isPrimary = instance.connection.port === restored.primary.port && instance.connection.host === restored.primary.host;
      if (isPrimary) return { name: instance.name, role: 'primary', rowCount: primary.rowCount, checksum: primary.checksum, matches: true };
      try {
        return await withClient(instance.connection, { application: 'pgdrill-restore-check' }, async (c) => {
          await waitForReplay(c, primaryLsn, instance.name);
          const summary = await c.query<{ rows: string; checksum: string | null }>(SUMMARY_SQL);
          const rowCount = Number(summary.rows[0]!.rows);
          const checksum = summary.rows[0]!.checksum ?? '';
          return { name: instance.name, role: 'replica', rowCount, checksum, matches: rowCount === primary.rowCount && checksum === primary.checksum };
        });
      } catch (error) {
        return { name: instance.name, role: 'replica', rowCount: null, checksum: null, matches: null, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}
