import { setTimeout as sleep } from 'node:timers/promises';
import type { RestoredDrillOutcome, RestoreRead } from '../checks/restore.ts';
import type { ActiveFault, FaultContext } from '../faults/fault.ts';
import { injectFault } from '../faults/inject.ts';
import type { HistoryBody, HistoryEvent } from '../history/events.ts';
import { WRITES_TABLE } from '../postgres/writes-table.ts';
import { withClient } from '../postgres/client.ts';
import type { Progress } from '../progress/progress.ts';
import type { RestoreStep, Step } from '../scenario/types.ts';
import type { FaultPrimitives } from '../targets/fault-primitives.ts';
import type { RecoveryTarget, RestoredCluster, StartedTarget } from '../targets/target.ts';
import { DrillInconclusive } from '../lifecycle/drill-inconclusive.ts';
import { readRestore, readRestoredInstances } from './restore-read.ts';
import { waitUntilSettled } from './settle.ts';
import type { TeardownStack } from '../lifecycle/teardown-stack.ts';

export type RestoreOutcome = RestoreRead | { name: string; error: string };

export interface DrillHooks {
  /** Called with each restored cluster before it is compared with the ledger (the tampered-restore test uses it). */
  afterRestore?(restored: RestoredCluster): Promise<void>;
  /** Wraps the target's fault primitives (the witness tests turn one into a no-op with it). */
  primitives?(faults: FaultPrimitives): FaultPrimitives;
  /** Called once the first write was acknowledged, before the steady-state check (a test breaks the stack here). */
  afterWarmUp?(target: StartedTarget): Promise<void>;
  /** Called before the final reads and the repository's verification (a test damages a backup file here). */
  beforeVerify?(target: StartedTarget): Promise<void>;
}

export interface StepContext {
  context: FaultContext;
  active: Map<string, ActiveFault>;
  teardowns: TeardownStack;
  signal: AbortSignal;
  target: StartedTarget;
  history: () => readonly HistoryEvent[];
  restores: RestoreOutcome[];
  progress: Progress;
  hooks?: DrillHooks;
  /** Runs a restore step's drill inside the restored cluster (set by the runner; absent: such a drill is inconclusive). */
  drillRestored?: (restored: StartedTarget, step: RestoreStep & { drill: NonNullable<RestoreStep['drill']> }) => Promise<RestoredDrillOutcome>;
}

/** Until a restored cluster's replicas stream from its primary. */
const RESTORED_REPLICAS_MS = 300_000;

/** Runs one step; returns a line of detail for the history when the step has one (a backup's label, rows deleted). */
export async function runStep(step: Step, s: StepContext): Promise<string | undefined> {
  switch (step.kind) {
    case 'wait':
      await sleep(step.ms, undefined, { signal: s.signal });
      return undefined;
    case 'inject': {
      const fault = await injectFault(s.context, s.teardowns, { id: step.id, kind: step.fault, target: step.target });
      s.active.set(fault.id, fault);
      return undefined;
    }
    case 'heal':
      for (const id of step.all ? [...s.active.keys()] : step.ids) {
        await s.active.get(id)?.heal();
        s.active.delete(id);
      }
      return undefined;
    case 'mark':
      s.context.record({ type: 'mark', name: step.name });
      // Writes invoked from here on commit strictly after the mark's time.
      await sleep(5);
      return undefined;
    case 'wait-healthy': {
      const settled = await waitUntilSettled(s.target, step.timeoutMs, s.signal);
      if (settled.problem) throw new DrillInconclusive(`the stack was not healthy within ${step.text}: ${settled.problem}`);
      return undefined;
    }
    case 'backup': {
      if (!s.target.backups) throw new DrillInconclusive(`the ${s.target.kind} target cannot take backups`);
      const backup = await s.target.backups.backup(step.type);
      return `backup ${backup.id} (${backup.type})`;
    }
    case 'sql':
      return runSql(s.target, step.statement, s.context.record);
    case 'restore':
      return restore(step, s);
    default:
      return assertNever(step);
  }
}

/**
 * Runs the step's statement on the primary and tells the ledger exactly
 * which rows of the writes table it removed: the keys before and after it,
 * in one repeatable-read transaction (the statement sees the same snapshot,
 * and rows the workload commits meanwhile are in neither). Those keys are
 * intentional deletions, not lost writes.
 */
async function runSql(target: StartedTarget, statement: string, record: (body: HistoryBody) => void): Promise<string> {
  return withClient(target.client, { application: 'pgdrill-sql-step' }, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await client.query(`CREATE TEMP TABLE pgdrill_keys_before ON COMMIT DROP AS SELECT key FROM ${WRITES_TABLE}`);
      const result = await client.query(statement);
      const removed = await client.query<{ key: string }>(`SELECT key FROM pgdrill_keys_before EXCEPT SELECT key FROM ${WRITES_TABLE}`);
      await client.query('COMMIT');
      if (removed.rows.length > 0) record({ type: 'rows-deleted', statement, keys: removed.rows.map((r) => r.key) });
      return `${result.command ?? 'statement'} ${result.rowCount ?? 0}`;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Restores into fresh instances, measures the restore's own duration,
 * compares the restored rows with the ledger, and removes them. A cluster
 * restore also waits for its replicas (restore_ha_seconds), checks that each
 * holds the restored primary's rows, then runs the step's drill inside the
 * cluster. A failed restore is kept as an outcome (the check is then
 * unmeasured) and the drill goes on.
 */
async function restore(step: RestoreStep, s: StepContext): Promise<string> {
  if (!s.target.backups) throw new DrillInconclusive(`the ${s.target.kind} target cannot restore`);
  const { target, targetMs, mode, label } = recoveryTarget(step, s.history());
  let restored: RestoredCluster | undefined;
  const removeNow = s.teardowns.defer(`remove restored ${step.shape === 'cluster' ? 'cluster' : 'instance'} ${step.name}`, async () => restored?.teardown());
  const started = performance.now();
  const since = (): number => Math.round(performance.now() - started) / 1000;
  try {
    restored = await s.target.backups.restore({ target, shape: step.shape, name: step.name });
    const seconds = since();
    s.progress.note(`${step.name} restored in ${seconds}s (timeline ${restored.reached.timeline ?? '?'}, last commit ${restored.reached.lastCommitAt ?? 'unknown'})`);
    const ha = step.shape === 'cluster' ? await awaitRestoredReplicas(restored, since, s) : undefined;
    await s.hooks?.afterRestore?.(restored);
    const judgeAt = targetMs ?? (restored.reached.lastCommitAt ? Date.parse(restored.reached.lastCommitAt) : Date.now());
    const deletions = s.history().flatMap((e) => (e.type === 'rows-deleted' ? [{ keys: e.keys, atMs: Date.parse(e.wall) }] : []));
    const read: RestoreRead = await readRestore(restored, s.history(), { name: step.name, target: label, targetMs: judgeAt, mode, seconds, deletions });
    let detail = `${step.name}: ${read.rowCount} rows in ${seconds}s, ${read.missing.count} missing, ${read.unexpected.count} unexpected`;
    if (ha) {
      read.ha = ha;
      read.instances = await readRestoredInstances(restored, read);
      const differing = read.instances.filter((i) => i.matches !== true).map((i) => i.name);
      detail += `; ${read.instances.length} instances${'seconds' in ha ? `, replicas streaming at ${ha.seconds}s` : ''}${differing.length ? `, not matching the primary: ${differing.join(', ')}` : ', all holding the same rows'}`;
    }
    if (step.drill) {
      s.signal.throwIfAborted();
      read.drill = await drillInside(restored, { ...step, drill: step.drill }, s);
      s.signal.throwIfAborted();
      detail += `; drill inside: ${read.drill.verdict}`;
    }
    s.restores.push(read);
    return detail;
  } catch (error) {
    if (s.signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    s.restores.push({ name: step.name, error: message });
    return `${step.name} failed: ${message}`;
  } finally {
    await removeNow();
  }
}

/** When every restored replica streams, as seconds since the restore command, or why it is unknown. */
async function awaitRestoredReplicas(restored: RestoredCluster, since: () => number, s: StepContext): Promise<NonNullable<RestoreRead['ha']>> {
  if (!restored.awaitReplicas) return { error: `the ${s.target.kind} target cannot tell when a restored cluster's replicas stream` };
  try {
    await restored.awaitReplicas(RESTORED_REPLICAS_MS, s.signal);
    const seconds = since();
    s.progress.note(`${restored.name}: every replica streaming at ${seconds}s`);
    return { seconds };
  } catch (error) {
    if (s.signal.aborted) throw error;
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The step's drill inside the restored cluster; inconclusive where the target or the runner cannot run one. */
async function drillInside(
  restored: RestoredCluster,
  step: RestoreStep & { drill: NonNullable<RestoreStep['drill']> },
  s: StepContext,
): Promise<RestoredDrillOutcome> {
  if (!restored.target) {
    return { verdict: 'inconclusive', reasons: [restored.targetProblem ?? `the ${s.target.kind} target cannot run a drill inside a restored cluster`], reportDir: null };
  }
  if (!s.drillRestored) return { verdict: 'inconclusive', reasons: ['this runner cannot run a drill inside a restored cluster'], reportDir: null };
  return s.drillRestored(restored.target, step);
}

/** The recovery target, and the time writes are judged against (null: the restored instance's last commit). */
function recoveryTarget(
  step: RestoreStep,
  history: readonly HistoryEvent[],
): { target: RecoveryTarget; targetMs: number | null; mode: 'time' | 'latest'; label: string } {
  switch (step.to.kind) {
    case 'mark': {
      const name = step.to.mark;
      const mark = history.find((e) => e.type === 'mark' && e.name === name);
      if (!mark) throw new DrillInconclusive(`mark ${name} was never recorded`);
      return { target: { kind: 'time', time: mark.wall }, targetMs: Date.parse(mark.wall), mode: 'time', label: `mark ${name} (${mark.wall})` };
    }
    case 'lsn':
      return { target: { kind: 'lsn', lsn: step.to.lsn }, targetMs: null, mode: 'time', label: `LSN ${step.to.lsn}` };
    case 'latest':
      // Everything acknowledged before the restore began is in WAL the restore must replay.
      return { target: { kind: 'latest' }, targetMs: Date.now(), mode: 'latest', label: 'end of WAL' };
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled step ${JSON.stringify(value)}`);
}
