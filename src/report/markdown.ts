import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS, METRIC_NAMES, type MetricName } from '../checks/metric-names.ts';
import type { EvidenceList } from '../checks/types.ts';
import { keyCountText, secondsText, valueText } from './format.ts';
import { restoreTables } from './restore-rows.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const REPORT_MD = 'report.md';

/** Rows shown per evidence table; report.json keeps the full (capped) lists. */
const ROWS = 50;

export const VERDICT_BADGE: Record<RunResult['verdict'], string> = {
  pass: '✅ PASS',
  fail: '❌ FAIL',
  inconclusive: '⚠️ INCONCLUSIVE',
  skipped: '⏭️ SKIPPED',
  interrupted: '⏹️ INTERRUPTED',
};

/**
 * report.md: what an auditor or a CI job summary reader needs, in the order
 * they ask it — did it pass, why not, what was done on which versions, then
 * the numbers and the evidence behind them.
 */
export function renderMarkdown(r: RunResult): string {
  const out: string[] = [];
  out.push(`# ${VERDICT_BADGE[r.verdict]} — ${r.scenario}`, '', r.description, '');
  if (r.verdictReasons.length > 0) out.push(...r.verdictReasons.map((reason) => `- ${reason}`), '');
  out.push(table(['', ''], [
    ['Scenario', `${r.scenario} (\`${r.scenarioFile}\`, sha256 \`${r.scenarioSha256.slice(0, 12)}\`)`],
    ['Target', r.target],
    ['Run', r.runId],
    ['Started', r.startedAt],
    ['Finished', `${r.finishedAt} (${r.durationSeconds} s)`],
    ['History', `\`${r.files.history}\``],
  ]));

  out.push('## Thresholds', '');
  out.push(r.thresholds.length === 0 ? 'No thresholds declared: nothing gates this run.' : table(
    ['Threshold', 'Value', 'Result'],
    r.thresholds.map((t) => [`\`${t.expression}\``, valueText(t.metric, t.value, r), t.ok ? '✅ pass' : '❌ FAIL']),
  ));

  out.push('## Metrics', '');
  out.push(table(['Metric', 'Value', 'Meaning'], METRIC_NAMES.map((m) => [`\`${m}\``, valueText(m, r.metrics[m], r), METRICS[m].description])));

  if (r.errors.length > 0) out.push('## Errors', '', ...r.errors.map((e) => `- ${e}`), '');

  out.push('## Faults and recovery', '');
  out.push(r.rto.length === 0 ? 'No fault was injected.' : table(
    ['Fault', 'Kind', 'Target', 'Injected', 'Healed', 'RTO', 'Write downtime', 'Server-side RTO', 'Resolution', 'Recovered on'],
    r.rto.map((f) => {
      const summary = r.faults.find((s) => s.id === f.fault);
      return [
        f.fault, f.kind, f.targets.join(', '), f.injectedAt, summary?.healedAt ?? `never (${summary?.healOutcome ?? 'none'})`,
        secondsText(f.rtoSeconds, f.recovered ? '' : 'never'), secondsText(f.writeDowntimeSeconds), secondsText(f.serverRtoSeconds),
        secondsText(f.resolutionSeconds),
        f.firstOk ? `${f.firstOk.instance}, timeline ${f.firstOk.timeline}${f.newTimeline ? ' (new timeline)' : ''}` : '—',
      ];
    }),
  ));

  out.push(...evidenceSection(r));

  out.push(...auditSection(r));

  out.push('## Configuration', '');
  const c = r.configuration;
  const patroni = c.cluster.patroni ? `ttl ${c.cluster.patroni.ttl} s, loop_wait ${c.cluster.patroni.loopWait} s, retry_timeout ${c.cluster.patroni.retryTimeout} s` : 'target defaults';
  out.push(table(['', ''], [
    ['Zones', c.cluster.zones.join(', ')],
    ['Synchronous replication', c.cluster.synchronous],
    ['Patroni timings', patroni],
    ['Workload', `${c.workload.writers} writers, ${c.workload.rate} writes/s`],
    ...Object.entries(c.target).map(([k, v]): [string, string] => [k, String(v)]),
  ]));
  out.push('Steps:', '', ...c.steps.map((s, i) => `${i + 1}. ${escapeInline(s)}`), '');

  out.push('## Timeline', '');
  out.push(r.timeline.length === 0 ? 'No events.' : table(['t (s)', 'Time', 'Event'], r.timeline.map((e) => [e.seconds.toFixed(3), e.at, e.what])));
  return out.join('\n');
}

/** When, where, who, versions and images, which drill with which gates, and the command: what an auditor signs off. */
function auditSection(r: RunResult): string[] {
  const a = r.audit;
  const out = ['## Audit', ''];
  out.push(table(['', ''], [
    ['When', `${a.startedAt} to ${a.finishedAt} (${r.durationSeconds} s)`],
    ['Where', `host \`${a.host}\`, target ${a.target}`],
    ['Who', a.user],
    ['Scenario file', `\`${a.scenarioFile}\``],
    ['Scenario sha256', `\`${a.scenarioSha256}\``],
    ['Thresholds', a.thresholds.length === 0 ? 'none' : a.thresholds.map((t) => `\`${t}\``).join(', ')],
    ...Object.entries(a.images).map(([k, v]): [string, string] => [k === 'image' ? 'Image' : k === 'imageId' ? 'Image id' : k, `\`${v}\``]),
    ['Command line', `\`${shellLine(a.commandLine)}\``],
    ['Working directory', `\`${a.workingDirectory}\``],
    ...(a.ci ? [['CI job', a.ci] as [string, string]] : []),
  ]));
  const versions = Object.entries(a.versions);
  out.push('Versions:', '');
  out.push(versions.length === 0 ? 'Not recorded.\n' : table(['Component', 'Version'], versions));
  return out;
}

/** A command line as a person would retype it: arguments with spaces or quotes are single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The metrics a summary line shows: recovery time, data loss, split-brain, and how many writes each way. */
export const HEADLINE_METRICS = [
  'rto_seconds',
  'write_downtime_seconds',
  'lost_writes',
  'split_brain_windows',
  'writes_ok',
  'writes_failed',
  'writes_unknown',
] as const satisfies readonly MetricName[];

/**
 * The short form, for a CI job summary and a suite's index: verdict, why,
 * the thresholds and the headline numbers, and where the full report is.
 */
export function renderMarkdownSummary(r: RunResult, options: { level?: number; reportLink?: string } = {}): string {
  const h = '#'.repeat(options.level ?? 2);
  const out = [`${h} ${VERDICT_BADGE[r.verdict]} — ${r.scenario}`, ''];
  if (r.verdictReasons.length > 0) out.push(...r.verdictReasons.map((reason) => `- ${escapeInline(reason)}`), '');
  if (r.thresholds.length > 0) {
    out.push(table(['Threshold', 'Value', 'Result'], r.thresholds.map((t) => [`\`${t.expression}\``, valueText(t.metric, t.value, r), t.ok ? '✅ pass' : '❌ FAIL'])));
  }
  out.push(HEADLINE_METRICS.map((m) => `\`${m}\` ${r.metrics[m] === null ? '—' : valueText(m, r.metrics[m], r)}`).join(' · '), '');
  const where = `${r.target}, run \`${r.runId}\`, ${r.startedAt}, ${r.durationSeconds} s`;
  out.push(options.reportLink ? `${where} — [full report](${options.reportLink})` : where, '');
  return out.join('\n');
}

function evidenceSection(r: RunResult): string[] {
  const e = r.evidence;
  if (!e) return ['## Evidence', '', 'The run ended before its checks ran.', ''];
  const out = ['## Evidence', ''];

  out.push('### Writes read back (RPO)', '');
  if (!e.rpo) out.push(`Not measured: ${r.unmeasured.lost_writes ?? 'the primary was not read back'}.`, '');
  else if (e.rpo.lost.count === 0) out.push(`No write lost: all ${r.metrics.writes_ok ?? 0} acknowledged writes were read back (${e.rpo.rowsRead} rows).`, '');
  else {
    out.push(`**${e.rpo.lost.count} acknowledged write(s) lost**, acknowledged from ${e.rpo.lostWindow?.from} to ${e.rpo.lostWindow?.to}.`, '');
    out.push(table(['Key', 'Acknowledged at', 'Instance', 'Timeline', 'Server time', 'Note'],
      e.rpo.lost.items.slice(0, ROWS).map((l) => [`\`${l.key}\``, l.ackedAt, l.instance, String(l.timeline), l.serverTime, l.syncRepWarning ?? ''])));
    out.push(...more(e.rpo.lost));
  }
  if (e.rpo) {
    out.push(`- Phantom (failed but present): ${keys(e.rpo.phantom.count, e.rpo.phantom.items.map((p) => p.key))}`);
    out.push(`- Unexpected (present, never attempted): ${keys(e.rpo.unexpected.count, e.rpo.unexpected.items)}`);
    out.push(`- Recovered (unknown outcome, present; allowed): ${keys(e.rpo.recovered.count, e.rpo.recovered.items.map((x) => x.key))}`, '');
  }

  out.push('### Split-brain windows', '');
  if (r.metrics.split_brain_windows === null) out.push(`Not measured: ${r.unmeasured.split_brain_windows ?? 'unknown'}.`, '');
  else if (e.splitBrain.windows.length === 0) out.push(`None seen in ${e.splitBrain.probes} direct probes.`, '');
  else {
    out.push(table(['Instances', 'Sign', 'Start', 'End', 'Duration', 'Writes acknowledged inside'],
      e.splitBrain.windows.map((w) => [w.instances.join(' + '), w.signs.join(', '), w.start, w.end, `${w.durationSeconds} s`,
        keys(w.writes.count, w.writes.items.map((x) => `${x.key}@${x.instance}/tl${x.timeline}`))])));
  }

  out.push('### Replica divergence', '');
  const d = e.divergence;
  if (r.metrics.diverged_replicas === null) out.push(`Not measured: ${r.unmeasured.diverged_replicas ?? 'unknown'}.`, '');
  else if (d.replicas.length === 0) out.push('No replica to compare.', '');
  else {
    out.push(table(['Replica', 'Rows', 'Missing', 'Extra'], d.replicas.map((x) => [
      x.instance, String(x.rows), keys(x.missing.count, x.missing.items), keys(x.extra.count, x.extra.items),
    ])));
  }

  const restore = e.restore;
  if (restore.restores.length > 0 || restore.failed.length > 0) {
    const t = restoreTables(restore);
    out.push('### Restores (PITR)', '');
    if (t.restores.rows.length > 0) out.push(table(t.restores.header, t.restores.rows));
    if (t.failed.rows.length > 0) out.push(table(t.failed.header, t.failed.rows));
    if (t.backups.rows.length > 0) out.push('Backups in the repository after the drill:', '', table(t.backups.header, t.backups.rows));
  }

  if (e.writes.topErrors.length > 0) {
    out.push('### Write errors', '');
    out.push(table(['Outcome', 'Error', 'Count'], e.writes.topErrors.map((x) => [x.outcome === 'fail' ? 'failed' : 'unknown', x.error, String(x.count)])));
  }
  if (e.writes.protocolViolations.count > 0) {
    out.push(`⚠️ ${e.writes.protocolViolations.count} write(s) broke invoke → one outcome; the workload's numbers are suspect.`, '');
  }
  return out;
}

function keys(count: number, items: readonly string[]): string {
  return keyCountText(count, items, (k) => `\`${k}\``);
}

function more(list: EvidenceList<unknown>): string[] {
  const hidden = list.count - Math.min(list.items.length, ROWS);
  return hidden > 0 ? [`…and ${hidden} more (see report.json${list.truncated ? ' and history.jsonl' : ''}).`, ''] : [];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line), ''].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function escapeInline(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}

export const markdownReporter: Reporter = {
  name: 'markdown',
  async onEnd(result, { reportDir }) {
    await writeFile(join(reportDir, REPORT_MD), renderMarkdown(result));
    return [REPORT_MD];
  },
};
