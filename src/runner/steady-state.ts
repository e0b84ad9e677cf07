import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryBody } from '../history/events.ts';
import { DrillInconclusive } from '../lifecycle/drill-inconclusive.ts';
import { withClient } from '../postgres/client.ts';
import type { StartedTarget, Topology } from '../targets/target.ts';
import { settleProblem } from './settle.ts';

export interface SteadyStateRequest {
  /** Instances the scenario's cluster has (one per zone). */
  instances: number;
  /** A synchronous standby must be there. */
  synchronous: boolean;
  /** A backup must be in the repository (the scenario restores). */
  needsBackup: boolean;
  timeoutMs: number;
}

/**
 * Before the first step (Chaos Toolkit's and Litmus's steady-state
 * hypothesis): the stack has its configured shape. A primary and every
 * replica streaming on its timeline; the synchronous standby when
 * configured; archiving succeeding where the target archives (the last
 * archive newer than the last failure, a segment closed to see it when
 * nothing was archived yet); a backup when the scenario restores. Recorded
 * either way; when it does not hold within the bound the drill stops as
 * inconclusive and nothing is injected.
 */
export async function awaitSteadyState(
  target: StartedTarget,
  request: SteadyStateRequest,
  record: (body: HistoryBody) => void,
  signal: AbortSignal,
): Promise<void> {
  const deadline = performance.now() + request.timeoutMs;
  let last: { problem: string; topology: Topology | null } = { problem: 'not asked yet', topology: null };
  while (performance.now() < deadline) {
    signal.throwIfAborted();
    const seen = await check(target, request).catch((error: unknown) => ({ problem: error instanceof Error ? error.message : String(error), topology: null }));
    if ('checks' in seen) {
      record({ type: 'steady-state', ok: true, primary: seen.topology.primary, instances: seen.topology.instances.map((i) => i.name), synchronous: request.synchronous, checks: seen.checks });
      return;
    }
    last = seen;
    await sleep(500, undefined, { signal });
  }
  record({
    type: 'steady-state',
    ok: false,
    primary: last.topology?.primary ?? null,
    instances: last.topology?.instances.map((i) => i.name) ?? [],
    synchronous: request.synchronous,
    checks: [last.problem],
  });
  throw new DrillInconclusive(`the stack was not in its steady state within ${request.timeoutMs / 1000}s, so nothing was injected: ${last.problem}`);
}

async function check(
  target: StartedTarget,
  request: SteadyStateRequest,
): Promise<{ checks: string[]; topology: Topology & { primary: string } } | { problem: string; topology: Topology | null }> {
  const topology = await target.topology();
  const problem = settleProblem(topology);
  if (problem) return { problem, topology };
  const primary = topology.primary!;
  if (topology.instances.length !== request.instances) {
    return { problem: `${topology.instances.length} instance(s), the scenario's cluster has ${request.instances}`, topology };
  }
  // The topology may come from a DCS whose member entries outlive the member
  // by a TTL: the primary's own replication connections and a new
  // connection to each replica say what is there now.
  const live = await liveReplicas(target, topology, primary);
  if (live.problem) return { problem: live.problem, topology };
  const checks = [`primary ${primary}`, `${topology.instances.length - 1} replica(s) streaming on its timeline (${live.line})`];
  if (request.synchronous && topology.instances.length > 1) {
    const sync = topology.instances.find((i) => i.role === 'sync-replica');
    if (!sync) return { problem: 'no synchronous standby', topology };
    checks.push(`synchronous standby ${sync.name}`);
  }
  if (target.archivedWal) {
    const archiving = await archiverHealth(target, primary);
    if (archiving.problem) return { problem: archiving.problem, topology };
    checks.push(archiving.line);
  }
  if (request.needsBackup) {
    const backups = target.backups ? await target.backups.listBackups() : [];
    if (backups.length === 0) return { problem: 'no backup in the repository to restore from', topology };
    checks.push(`${backups.length} backup(s) in the repository (latest ${backups.at(-1)!.id})`);
  }
  return { checks, topology: topology as Topology & { primary: string } };
}

async function liveReplicas(target: StartedTarget, topology: Topology, primary: string): Promise<{ problem?: string; line: string }> {
  const replicas = topology.instances.filter((i) => i.name !== primary).map((i) => i.name);
  if (replicas.length === 0) return { line: 'none configured' };
  const endpoint = target.instances.find((i) => i.name === primary)?.connection;
  if (!endpoint) return { problem: `no direct endpoint for the primary ${primary}`, line: '' };
  const streaming = await withClient(endpoint, { application: 'pgdrill-steady-state', connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 }, async (c) => {
    const { rows } = await c.query<{ name: string }>("SELECT coalesce(application_name, '') AS name FROM pg_stat_replication WHERE state = 'streaming'");
    return new Set(rows.map((r) => r.name));
  });
  const notStreaming = replicas.filter((r) => !streaming.has(r));
  if (notStreaming.length > 0) return { problem: `${notStreaming.join(', ')} not streaming from the primary (pg_stat_replication)`, line: '' };
  for (const name of replicas) {
    const connection = target.instances.find((i) => i.name === name)?.connection;
    if (!connection) continue;
    const ok = await withClient(connection, { application: 'pgdrill-steady-state', connectTimeoutMs: 1_000, statementTimeoutMs: 1_000 }, (c) => c.query('SELECT 1')).then(
      () => true,
      () => false,
    );
    if (!ok) return { problem: `${name} does not answer a new connection`, line: '' };
  }
  return { line: `seen in pg_stat_replication: ${replicas.join(', ')}` };
}

async function archiverHealth(target: StartedTarget, primary: string): Promise<{ problem?: string; line: string }> {
  const endpoint = target.instances.find((i) => i.name === primary)?.connection;
  if (!endpoint) return { problem: `no direct endpoint for the primary ${primary}`, line: '' };
  return withClient(endpoint, { application: 'pgdrill-steady-state', connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 }, async (c) => {
    const { rows } = await c.query<{ archived: string; failed: string; ok: boolean | null; last: string | null }>(
      `SELECT archived_count AS archived, failed_count AS failed, last_archived_wal AS last,
              last_archived_time IS NOT NULL AND (last_failed_time IS NULL OR last_archived_time > last_failed_time) AS ok
         FROM pg_stat_archiver`,
    );
    const row = rows[0]!;
    if (row.ok) return { line: `archiving works (${row.archived} archived, last ${row.last}, ${row.failed} failed before)` };
    // Nothing archived yet, or the last attempt failed: close a segment so the archiver shows which.
    await c.query('SELECT pg_switch_wal()').catch(() => undefined);
    return { problem: Number(row.archived) === 0 ? 'no WAL segment archived yet' : `the last archive attempt failed (${row.failed} failures)`, line: '' };
  });
}
