import type { RunEvidence } from '../checks/analyze.ts';
import type { EvidenceList } from '../checks/types.ts';
import { code, heading, list, paragraph, strong, table, type Block, type Inline, type Section } from './document/blocks.ts';
import { keyCountParts, secondsText } from './format.ts';
import { restoreTables } from './restore-rows.ts';
import type { RunResult } from './run-result.ts';

/** Rows shown per evidence table; report.json keeps the full (capped) lists. */
const ROWS = 50;

/**
 * What a person needs to believe the numbers: the lost writes with their
 * acknowledgement times, split-brain windows, replica divergence, the WAL
 * archive, restores, and the workload's errors.
 */
export function evidenceSection(r: RunResult): Section {
  const e = r.evidence;
  const blocks = e
    ? [...readBack(r, e), ...splitBrain(r, e), ...divergence(r, e), ...archive(e), ...restores(r, e), ...restoreTest(e), ...writeErrors(e)]
    : [paragraph('The run ended before its checks ran.')];
  return { id: 'evidence', title: 'Evidence', blocks };
}

function readBack(r: RunResult, e: RunEvidence): Block[] {
  const out = [heading('Writes read back (RPO)')];
  const rpo = e.rpo;
  if (!rpo) return [...out, paragraph(`Not measured: ${r.unmeasured.lost_writes ?? 'the primary was not read back'}.`)];
  if (rpo.lost.count === 0) out.push(paragraph(`No write lost: all ${r.metrics.writes_ok ?? 0} acknowledged writes were read back (${rpo.rowsRead} rows).`));
  else {
    out.push(paragraph([strong(`${rpo.lost.count} acknowledged write(s) lost`), `, acknowledged from ${rpo.lostWindow?.from ?? '?'} to ${rpo.lostWindow?.to ?? '?'}.`]));
    out.push(table(['Key', 'Acknowledged at', 'Instance', 'Timeline', 'Server time', 'Note'],
      rpo.lost.items.slice(0, ROWS).map((l) => [code(l.key), l.ackedAt, l.instance, l.timeline, l.serverTime, l.syncRepWarning ?? '']), { id: 'lost-writes' }));
    out.push(...more(rpo.lost));
  }
  out.push(list([
    ['Phantom (failed but present): ', keys(rpo.phantom.count, rpo.phantom.items.map((p) => p.key))],
    ['Unexpected (present, never attempted): ', keys(rpo.unexpected.count, rpo.unexpected.items)],
    ['Recovered (unknown outcome, present; allowed): ', keys(rpo.recovered.count, rpo.recovered.items.map((x) => x.key))],
  ]));
  return out;
}

function splitBrain(r: RunResult, e: RunEvidence): Block[] {
  const out = [heading('Split-brain windows')];
  if (r.metrics.split_brain_windows === null) out.push(paragraph(`Not measured: ${r.unmeasured.split_brain_windows ?? 'unknown'}.`));
  else if (e.splitBrain.windows.length === 0) out.push(paragraph(`None seen in ${e.splitBrain.probes} direct probes.`));
  else {
    out.push(table(['Instances', 'Sign', 'Start', 'End', 'Duration', 'Writes acknowledged inside'],
      e.splitBrain.windows.map((w) => [w.instances.join(' + '), w.signs.join(', '), w.start, w.end, `${w.durationSeconds} s`,
        keys(w.writes.count, w.writes.items.map((x) => `${x.key}@${x.instance}/tl${x.timeline}`))]), { id: 'split-brain' }));
  }
  return out;
}

function divergence(r: RunResult, e: RunEvidence): Block[] {
  const out = [heading('Replica divergence')];
  const d = e.divergence;
  if (r.metrics.diverged_replicas === null) out.push(paragraph(`Not measured: ${r.unmeasured.diverged_replicas ?? 'unknown'}.`));
  else if (d.replicas.length === 0) out.push(paragraph('No replica to compare.'));
  else {
    out.push(table(['Replica', 'Rows', 'Missing', 'Extra'], d.replicas.map((x) => [
      x.instance, x.rows, keys(x.missing.count, x.missing.items), keys(x.extra.count, x.extra.items),
    ]), { id: 'divergence' }));
  }
  return out;
}

function archive(e: RunEvidence): Block[] {
  const a = e.archive;
  if (!a || (a.catchups.length === 0 && a.gaps.length === 0)) return [];
  const out = [heading('WAL archive')];
  if (a.catchups.length > 0) {
    out.push(table(['Fault', 'Segment needed', 'Caught up after heal'], a.catchups.map((c) => [c.fault, c.neededWal ?? '—', secondsText(c.seconds, 'never')]), { id: 'archive-catchups' }));
  }
  if (a.gaps.length > 0) {
    out.push(table(['Timeline', 'Missing from', 'Missing to', 'Segments'], a.gaps.map((g) => [g.timeline, g.from, g.to, g.missing]), { id: 'archive-gaps' }));
  }
  return out;
}

function restores(r: RunResult, e: RunEvidence): Block[] {
  const restore = e.restore;
  if (restore.restores.length === 0 && restore.failed.length === 0 && !e.backupIntegrity?.tool) return [];
  const t = restoreTables(restore);
  const out = [heading('Restores (PITR)')];
  if (t.restores.rows.length > 0) {
    const clean = restore.restores.map((x) => x.missing.count + x.unexpected.count === 0);
    out.push(table(t.restores.header, t.restores.rows, { id: 'restores', rowClasses: clean.map((ok) => (ok ? 'good' : 'bad')) }));
  }
  if (t.instances.rows.length > 0) {
    out.push(paragraph('Every instance of a restored cluster, read once it replayed up to the restored primary:'));
    out.push(table(t.instances.header, t.instances.rows, { id: 'restored-instances', rowClasses: t.instances.ok.map((ok) => (ok ? 'good' : 'bad')) }));
  }
  if (t.drills.rows.length > 0) out.push(table(t.drills.header, t.drills.rows, { id: 'restored-drills', rowClasses: t.drills.ok.map((ok) => (ok ? 'good' : 'bad')) }));
  if (t.failed.rows.length > 0) out.push(table(t.failed.header, t.failed.rows, { id: 'restores-failed', rowClasses: t.failed.rows.map(() => 'bad') }));
  if (t.backups.rows.length > 0) out.push(paragraph('Backups in the repository after the drill:'), table(t.backups.header, t.backups.rows, { id: 'backups' }));
  const integrity = e.backupIntegrity;
  if (integrity?.tool) {
    out.push(integrity.problems.count === 0 && r.metrics.backup_verify_errors === 0
      ? paragraph(`The repository verifies clean (${integrity.tool}).`)
      : paragraph(`The repository does NOT verify (${integrity.tool}): ${r.metrics.backup_verify_errors ?? '?'} problem(s).`));
    if (integrity.problems.items.length > 0) out.push(list(integrity.problems.items.map((p) => code(p))));
  }
  return out;
}

/** A restore test of an existing repository: where recovery stopped, amcheck, the rows of every table, the user's assertions. */
function restoreTest(e: RunEvidence): Block[] {
  const t = e.restoreTest;
  if (!t) return [];
  const out: Block[] = [heading('Restore test')];
  out.push(paragraph(`Target ${t.target}; recovery stopped on timeline ${t.reached.timeline ?? '?'} at LSN ${t.reached.lsn ?? '?'}, last commit ${t.reached.lastCommitAt ?? 'unknown'}.${t.targetMissed ? ` Target MISSED: ${t.targetMissed}.` : ''}`));
  out.push(t.amcheck.problems.count === 0 && t.amcheck.exitCode === 0
    ? paragraph('pg_amcheck (heap tables, btree indexes, every database): no problem.')
    : paragraph(`pg_amcheck reported ${t.amcheck.problems.count} line(s) (exit ${t.amcheck.exitCode ?? '?'}):`));
  if (t.amcheck.problems.items.length > 0) out.push(list(t.amcheck.problems.items.slice(0, 50).map((p) => code(p))));
  out.push(table(['Database', 'Table', 'Rows'], t.tables.map((x) => [x.database, code(x.table), x.rows]), { id: 'restore-test-tables' }));
  if (t.assertions.length > 0) {
    out.push(table(['Assertion', 'Result', 'Expected', 'Got'], t.assertions.map((a) => [a.name, a.ok ? 'holds' : 'FAILS', a.expected.join('; '), a.error ?? a.got.join('; ')]), {
      id: 'restore-test-assertions',
      rowClasses: t.assertions.map((a) => (a.ok ? 'good' : 'bad')),
    }));
  }
  return out;
}

function writeErrors(e: RunEvidence): Block[] {
  const out: Block[] = [];
  if (e.writes.topErrors.length > 0) {
    out.push(heading('Write errors'));
    out.push(table(['Outcome', 'Error', 'Count'], e.writes.topErrors.map((x) => [x.outcome === 'fail' ? 'failed' : 'unknown', x.error, x.count]), { id: 'write-errors' }));
  }
  if (e.writes.protocolViolations.count > 0) {
    out.push(paragraph(['⚠️ ', strong(`${e.writes.protocolViolations.count} write(s) broke invoke → one outcome; the workload's numbers are suspect.`)]));
  }
  return out;
}

/** A count of keys and the first of them, each as code. */
function keys(count: number, items: readonly string[]): Inline {
  return keyCountParts(count, items, code);
}

function more(list: EvidenceList<unknown>): Block[] {
  const hidden = list.count - Math.min(list.items.length, ROWS);
  return hidden > 0 ? [paragraph(`…and ${hidden} more (see report.json${list.truncated ? ' and history.jsonl' : ''}).`, { muted: true })] : [];
}
