import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS, METRIC_NAMES } from '../checks/metric-names.ts';
import type { HistoryEvent } from '../history/events.ts';
import { readHistoryFile } from '../history/reader.ts';
import { chartData } from './chart-data.ts';
import { OUTCOME_COLORS, renderTimelineSvg } from './chart.ts';
import { secondsText, valueText } from './format.ts';
import { code, esc, facts, page, raw, table, verdictBadge, type Cell } from './html-kit.ts';
import { shellLine } from './markdown.ts';
import { restoreTables } from './restore-rows.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const REPORT_HTML = 'report.html';

/** Rows shown per evidence table; report.json keeps the full (capped) lists. */
const ROWS = 50;

/**
 * report.html: one self-contained page (inline SVG and CSS, no script, no
 * network) for a person: the verdict and why, the timeline chart, then
 * thresholds, metrics, faults, evidence, the audit section, configuration
 * and the event timeline. `history` feeds the chart; without it the page
 * says so and keeps everything else.
 */
export async function renderHtml(r: RunResult, history: readonly HistoryEvent[] | null): Promise<string> {
  const parts: string[] = [];
  parts.push(`<header><h1>${verdictBadge(r.verdict).html} <span>${esc(r.scenario)}</span></h1>`);
  if (r.description) parts.push(`<p class="description">${esc(r.description)}</p>`);
  if (r.verdictReasons.length > 0) parts.push(`<ul class="reasons">${r.verdictReasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`);
  parts.push(facts([
    ['Scenario', raw(`${esc(r.scenario)} (${code(r.scenarioFile).html})`)],
    ['Target', r.target],
    ['Run', r.runId],
    ['Started', r.startedAt],
    ['Duration', `${r.durationSeconds} s`],
  ], { id: 'summary' }), '</header>');

  parts.push('<section id="timeline-chart"><h2>Timeline</h2>', await chartFigure(history), '</section>');

  parts.push('<section><h2>Thresholds</h2>');
  parts.push(r.thresholds.length === 0
    ? `<p>${r.configuration.thresholds.length === 0 ? 'No thresholds declared: nothing gates this run.' : 'Not evaluated: the run ended before its checks ran.'}</p>`
    : table(['Threshold', 'Value', 'Result'], r.thresholds.map((t) => [code(t.expression), valueText(t.metric, t.value, r), t.ok ? 'pass' : 'FAIL']), {
      id: 'thresholds', rowClass: (i) => (r.thresholds[i]!.ok ? 'good' : 'bad'),
    }));
  parts.push('</section>');

  parts.push('<section><h2>Metrics</h2>');
  parts.push(table(['Metric', 'Value', 'Meaning'], METRIC_NAMES.map((m) => [code(m), valueText(m, r.metrics[m] ?? null, r), METRICS[m].description]), { id: 'metrics' }));
  parts.push('</section>');

  if (r.errors.length > 0) parts.push(`<section><h2>Errors</h2><ul class="reasons">${r.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></section>`);

  parts.push('<section><h2>Faults and recovery</h2>');
  parts.push(r.rto.length === 0 ? '<p>No fault was injected.</p>' : table(
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
    { id: 'faults' },
  ));
  parts.push('</section>');

  parts.push(evidenceSection(r));
  parts.push(auditSection(r));
  parts.push(configurationSection(r));

  parts.push('<section><h2>Events</h2>');
  parts.push(r.timeline.length === 0 ? '<p>No events.</p>' : `<details><summary>${r.timeline.length} events (phases, steps, faults, role changes)</summary>${table(
    ['t (s)', 'Time', 'Event'], r.timeline.map((e) => [e.seconds.toFixed(3), e.at, e.what]), { id: 'events' },
  )}</details>`);
  parts.push('</section>');
  parts.push(`<footer><p class="muted">pgdrill ${esc(r.environment.pgdrill ?? '')} — report.json holds every number of this page; history.jsonl every event of the run.</p></footer>`);
  return page(`${r.verdict.toUpperCase()} ${r.scenario} — pgdrill ${r.runId}`, parts.join('\n'));
}

async function chartFigure(history: readonly HistoryEvent[] | null): Promise<string> {
  if (!history || history.length === 0) return '<p>No history to draw: history.jsonl is missing or empty.</p>';
  let svg: string;
  try {
    svg = await renderTimelineSvg(chartData(history));
  } catch (error) {
    return `<p>The chart could not be drawn: ${esc(error instanceof Error ? error.message : String(error))}</p>`;
  }
  const swatch = (color: string) => `<span class="swatch" style="background:${color}"></span>`;
  return `<figure id="timeline-figure" role="img" aria-label="Writes by outcome over time, fault windows, promotions; replication lag and archive failures">
${svg}
<figcaption>${swatch(OUTCOME_COLORS.ok)}acknowledged ${swatch(OUTCOME_COLORS.failed)}failed (certainly not applied) ${swatch(OUTCOME_COLORS.unknown)}unknown outcome
${swatch('rgba(211,47,47,.25)')}fault window (inject to heal) — dashed line: an instance promoted; dotted: an instance moved to a newer timeline.</figcaption>
</figure>`;
}

function evidenceSection(r: RunResult): string {
  const e = r.evidence;
  if (!e) return '<section id="evidence"><h2>Evidence</h2><p>The run ended before its checks ran.</p></section>';
  const out = ['<section id="evidence"><h2>Evidence</h2>', '<h3>Writes read back (RPO)</h3>'];
  if (!e.rpo) out.push(`<p>Not measured: ${esc(r.unmeasured.lost_writes ?? 'the primary was not read back')}.</p>`);
  else if (e.rpo.lost.count === 0) out.push(`<p>No write lost: all ${r.metrics.writes_ok ?? 0} acknowledged writes were read back (${e.rpo.rowsRead} rows).</p>`);
  else {
    out.push(`<p><strong>${e.rpo.lost.count} acknowledged write(s) lost</strong>, acknowledged from ${esc(e.rpo.lostWindow?.from ?? '?')} to ${esc(e.rpo.lostWindow?.to ?? '?')}.</p>`);
    out.push(table(['Key', 'Acknowledged at', 'Instance', 'Timeline', 'Server time', 'Note'],
      e.rpo.lost.items.slice(0, ROWS).map((l) => [code(l.key), l.ackedAt, l.instance, l.timeline, l.serverTime, l.syncRepWarning ?? '']), { id: 'lost-writes' }));
    if (e.rpo.lost.count > Math.min(ROWS, e.rpo.lost.items.length)) out.push(`<p class="muted">…and ${e.rpo.lost.count - Math.min(ROWS, e.rpo.lost.items.length)} more in report.json.</p>`);
  }
  if (e.rpo) {
    out.push(table(['Other outcomes read back', 'Count', 'Keys'], [
      ['Phantom (failed but present)', e.rpo.phantom.count, keys(e.rpo.phantom.items.map((p) => p.key))],
      ['Unexpected (present, never attempted)', e.rpo.unexpected.count, keys(e.rpo.unexpected.items)],
      ['Recovered (unknown outcome, present; allowed)', e.rpo.recovered.count, keys(e.rpo.recovered.items.map((x) => x.key))],
    ], { id: 'read-back' }));
  }

  out.push('<h3>Split-brain windows</h3>');
  if (r.metrics.split_brain_windows === null) out.push(`<p>Not measured: ${esc(r.unmeasured.split_brain_windows ?? 'unknown')}.</p>`);
  else if (e.splitBrain.windows.length === 0) out.push(`<p>None seen in ${e.splitBrain.probes} direct probes.</p>`);
  else {
    out.push(table(['Instances', 'Sign', 'Start', 'End', 'Duration', 'Writes acknowledged inside'],
      e.splitBrain.windows.map((w) => [w.instances.join(' + '), w.signs.join(', '), w.start, w.end, `${w.durationSeconds} s`,
        `${w.writes.count}${w.writes.count > 0 ? `: ${w.writes.items.slice(0, 10).map((x) => `${x.key}@${x.instance}/tl${x.timeline}`).join(', ')}` : ''}`]), { id: 'split-brain' }));
  }

  out.push('<h3>Replica divergence</h3>');
  const d = e.divergence;
  if (r.metrics.diverged_replicas === null) out.push(`<p>Not measured: ${esc(r.unmeasured.diverged_replicas ?? 'unknown')}.</p>`);
  else if (d.replicas.length === 0) out.push('<p>No replica to compare.</p>');
  else {
    out.push(table(['Replica', 'Rows', 'Missing', 'Extra'], d.replicas.map((x) => [
      x.instance, x.rows, `${x.missing.count}${x.missing.count > 0 ? `: ${x.missing.items.slice(0, 10).join(', ')}` : ''}`,
      `${x.extra.count}${x.extra.count > 0 ? `: ${x.extra.items.slice(0, 10).join(', ')}` : ''}`,
    ]), { id: 'divergence' }));
  }

  const archive = e.archive;
  if (archive && (archive.catchups.length > 0 || archive.gaps.length > 0)) {
    out.push('<h3>WAL archive</h3>');
    if (archive.catchups.length > 0) {
      out.push(table(['Fault', 'Segment needed', 'Caught up after heal'], archive.catchups.map((c) => [c.fault, c.neededWal ?? '—', secondsText(c.seconds, 'never')]), { id: 'archive-catchups' }));
    }
    if (archive.gaps.length > 0) {
      out.push(table(['Timeline', 'Missing from', 'Missing to', 'Segments'], archive.gaps.map((g) => [g.timeline, g.from, g.to, g.missing]), { id: 'archive-gaps' }));
    }
  }

  const restore = e.restore;
  if (restore.restores.length > 0 || restore.failed.length > 0) {
    const t = restoreTables(restore);
    out.push('<h3>Restores (PITR)</h3>');
    if (t.restores.rows.length > 0) out.push(table(t.restores.header, t.restores.rows, { id: 'restores', rowClass: (i) => (restore.restores[i]!.missing.count + restore.restores[i]!.unexpected.count === 0 ? 'good' : 'bad') }));
    if (t.failed.rows.length > 0) out.push(table(t.failed.header, t.failed.rows, { id: 'restores-failed', rowClass: () => 'bad' }));
    if (t.backups.rows.length > 0) out.push('<p>Backups in the repository after the drill:</p>', table(t.backups.header, t.backups.rows, { id: 'backups' }));
  }

  if (e.writes.topErrors.length > 0) {
    out.push('<h3>Write errors</h3>');
    out.push(table(['Outcome', 'Error', 'Count'], e.writes.topErrors.map((x) => [x.outcome === 'fail' ? 'failed' : 'unknown', x.error, x.count]), { id: 'write-errors' }));
  }
  if (e.writes.protocolViolations.count > 0) {
    out.push(`<p><strong>${e.writes.protocolViolations.count} write(s) broke invoke → one outcome; the workload's numbers are suspect.</strong></p>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function auditSection(r: RunResult): string {
  const a = r.audit;
  if (!a) return '';
  const rows: [string, Cell][] = [
    ['When', `${a.startedAt} to ${a.finishedAt} (${r.durationSeconds} s)`],
    ['Where', raw(`host ${code(a.host).html}, target ${esc(a.target)}`)],
    ['Who', a.user],
    ['Scenario file', code(a.scenarioFile)],
    ['Scenario sha256', code(a.scenarioSha256)],
    ['Thresholds', a.thresholds.length === 0 ? 'none' : raw(a.thresholds.map((t) => code(t).html).join(', '))],
    ...Object.entries(a.images).map(([k, v]): [string, Cell] => [k === 'image' ? 'Image' : k === 'imageId' ? 'Image id' : k, code(v)]),
    ['Command line', code(shellLine(a.commandLine))],
    ['Working directory', code(a.workingDirectory)],
    ...(a.ci ? [['CI job', a.ci] as [string, Cell]] : []),
  ];
  const versions = Object.entries(a.versions);
  return [
    '<section id="audit"><h2>Audit</h2>',
    facts(rows, { id: 'audit-facts' }),
    '<h3>Versions</h3>',
    versions.length === 0 ? '<p>Not recorded.</p>' : table(['Component', 'Version'], versions, { id: 'versions' }),
    '</section>',
  ].join('\n');
}

function configurationSection(r: RunResult): string {
  const c = r.configuration;
  const patroni = c.cluster.patroni ? `ttl ${c.cluster.patroni.ttl} s, loop_wait ${c.cluster.patroni.loopWait} s, retry_timeout ${c.cluster.patroni.retryTimeout} s` : 'target defaults';
  return [
    '<section id="configuration"><h2>Configuration</h2>',
    facts([
      ['Zones', c.cluster.zones.join(', ')],
      ['Synchronous replication', c.cluster.synchronous],
      ['Patroni timings', patroni],
      ['Workload', `${c.workload.writers} writers, ${c.workload.rate} writes/s`],
      ...Object.entries(c.target).map(([k, v]): [string, Cell] => [k, String(v)]),
    ]),
    '<h3>Steps</h3>',
    `<ol>${c.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>`,
    '</section>',
  ].join('\n');
}

function keys(items: readonly string[]): Cell {
  return items.length === 0 ? '—' : `${items.slice(0, 10).join(', ')}${items.length > 10 ? ', …' : ''}`;
}

/** Reads the run's history.jsonl next to the report for the chart; a missing one leaves the chart out. */
export async function readRunHistory(reportDir: string, file: string): Promise<HistoryEvent[] | null> {
  const path = join(reportDir, file);
  if (!existsSync(path)) return null;
  return readHistoryFile(path);
}

export const htmlReporter: Reporter = {
  name: 'html',
  async onEnd(result, { reportDir }) {
    const history = await readRunHistory(reportDir, result.files.history);
    await writeFile(join(reportDir, REPORT_HTML), await renderHtml(result, history));
    return [REPORT_HTML];
  },
};
