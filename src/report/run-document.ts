import { METRICS, METRIC_NAMES } from '../checks/metric-catalogue.ts';
import {
  CHART,
  code,
  details,
  facts,
  heading,
  joined,
  list,
  paragraph,
  strong,
  table,
  type Block,
  type Inline,
  type ReportDocument,
  type Section,
} from './document/blocks.ts';
import { evidenceSection } from './evidence-section.ts';
import { secondsText, shellLine, valueText } from './format.ts';
import type { RunResult } from './run-result.ts';
import { thresholdsTable } from './run-summary.ts';

/**
 * report.md and report.html, as one document: what an auditor or a CI job
 * summary reader needs, in the order they ask it — did it pass, why not,
 * what was done on which versions, then the numbers and the evidence behind
 * them.
 */
export function runDocument(r: RunResult): ReportDocument {
  const lead: Block[] = [];
  if (r.description) lead.push(paragraph(r.description, { muted: true }));
  if (r.verdictReasons.length > 0) lead.push(list(r.verdictReasons));
  lead.push(facts([
    ['Scenario', [`${r.scenario} (`, code(r.scenarioFile), ', sha256 ', code(r.scenarioSha256.slice(0, 12)), ')']],
    ['Target', r.target],
    ['Run', r.runId],
    ['Started', r.startedAt],
    ['Finished', `${r.finishedAt} (${r.durationSeconds} s)`],
    ['History', code(r.files.history)],
  ], 'summary'));

  const sections: Section[] = [
    { id: 'timeline-chart', title: 'Timeline', blocks: [CHART] },
    thresholdsSection(r),
    { title: 'Metrics', blocks: [table(['Metric', 'Value', 'Meaning'], METRIC_NAMES.map((m) => [code(m), valueText(m, r.metrics[m] ?? null, r), METRICS[m].description]), { id: 'metrics' })] },
  ];
  if (r.errors.length > 0) sections.push({ title: 'Errors', blocks: [list(r.errors)] });
  sections.push(faultsSection(r), evidenceSection(r), auditSection(r), configurationSection(r), eventsSection(r));

  return {
    title: `${r.verdict.toUpperCase()} ${r.scenario} — pgdrill ${r.runId}`,
    heading: { verdict: r.verdict, text: r.scenario },
    lead,
    sections,
    footer: `pgdrill ${r.environment.pgdrill ?? ''} — report.json holds every number of this report; history.jsonl every event of the run.`,
  };
}

function thresholdsSection(r: RunResult): Section {
  if (r.thresholds.length > 0) return { title: 'Thresholds', blocks: [thresholdsTable(r, 'thresholds')] };
  const why = r.configuration.thresholds.length === 0 ? 'No thresholds declared: nothing gates this run.' : 'Not evaluated: the run ended before its checks ran.';
  return { title: 'Thresholds', blocks: [paragraph(why)] };
}

/** When it was healed, and whether the healed state was then seen. */
function healText(summary: RunResult['faults'][number] | undefined, when: string | null): string {
  if (when === null) return `never (${summary?.healOutcome ?? 'none'})`;
  if (!summary?.healVerified) return when;
  return summary.healVerified.confirmed ? `${when} (healed state seen)` : `${when} ⚠️ ${summary.healVerified.what}`;
}

/**
 * Faults and recovery in tables narrow enough for a CI job summary (at most
 * six short columns): what was injected and when, what proved it, the
 * recovery timings a reader compares first, then the outage's finer detail.
 * Times in the tables are seconds since the run started (the chart's axis);
 * the wall-clock times are in the list beneath.
 */
function faultsSection(r: RunResult): Section {
  if (r.rto.length === 0) return { title: 'Faults and recovery', blocks: [paragraph('No fault was injected.')] };
  const recovery = new Map((r.evidence?.recovery?.faults ?? []).map((f) => [f.fault, f]));
  const at = (t: number) => `${Math.round(t) / 1000} s`;
  const faults = r.rto.map((f) => {
    const summary = r.faults.find((s) => s.id === f.fault);
    // The heal on the run's clock: its wall time's distance from the fault's moment, added to the moment's t.
    const healT = summary?.healedAt ? f.effectiveT + (Date.parse(summary.healedAt) - Date.parse(f.effectiveAt)) : null;
    return [
      f.fault, f.kind, f.targets.join(', '),
      at(f.effectiveT),
      healText(summary, healT !== null && Number.isFinite(healT) ? at(healT) : null),
      f.firstOk ? `${f.firstOk.instance}, timeline ${f.firstOk.timeline}${f.newTimeline ? ' (new timeline)' : ''}` : '—',
    ];
  });
  const moments = r.rto.map((f): Inline => {
    const summary = r.faults.find((s) => s.id === f.fault);
    const effect = f.witness === null ? `injected ${f.injectedAt} (no witness dated it)` : `in effect ${f.effectiveAt} (${secondsText(f.injectToEffectSeconds)} after the inject)`;
    return [strong(f.fault), `: ${effect}; healed ${summary?.healedAt ?? 'never'}; proved by: ${f.witness ?? 'no witness recorded'}`];
  });
  const overExpected: string[] = [];
  const na = (why: string | undefined, value: number | null) => (why !== undefined ? `— (${why})` : secondsText(value, 'never'));
  const recoveryRows = r.rto.map((f) => {
    const rec = recovery.get(f.fault);
    const expected = rec?.expected ?? null;
    const over = expected !== null && f.rtoSeconds !== null && f.rtoSeconds > expected.maxSeconds;
    if (over) overExpected.push(`${f.fault}: RTO ${f.rtoSeconds} s is above the ${expected!.maxSeconds} s the configuration predicts (${expected!.basis}): a tuning regression or a defect`);
    return [
      f.fault,
      `${secondsText(f.rtoSeconds, f.recovered ? '' : 'never')}${over ? ' ⚠️' : ''}`,
      expected ? `${expected.maxSeconds} s` : '—',
      secondsText(f.writeDowntimeSeconds),
      rec ? secondsText(rec.haRestoredSeconds, 'never') : '—',
      rec ? na(rec.notApplicable.rejoin, rec.rejoinSeconds) : '—',
    ];
  });
  const detailRows = r.rto.map((f) => {
    const rec = recovery.get(f.fault);
    return [
      f.fault,
      secondsText(f.serverRtoSeconds),
      secondsText(f.resolutionSeconds),
      f.attemptsDuringOutage,
      rec ? na(rec.notApplicable.archiveResumed, rec.archiveResumedSeconds) : '—',
    ];
  });
  const backup = r.evidence?.recovery?.failoverBackup;
  const blocks: Block[] = [
    table(['Fault', 'Kind', 'Target', 'In effect at', 'Healed at', 'Recovered on'], faults, { id: 'faults' }),
    list(moments),
    heading('Recovery (from the moment each fault took effect)'),
    table(['Fault', 'RTO', 'Expected at most', 'Write downtime', 'HA restored', 'Old primary rejoined'], recoveryRows, {
      id: 'recovery',
      rowClasses: r.rto.map((f) => (overExpected.some((line) => line.startsWith(`${f.fault}:`)) ? 'bad' : undefined)),
    }),
  ];
  if (overExpected.length > 0) blocks.push(list(overExpected.map((line) => `⚠️ ${line}`)));
  blocks.push(
    heading('Outage detail'),
    table(['Fault', 'Server-side RTO', 'Resolution', 'Attempts in outage', 'Archive on new timeline'], detailRows, { id: 'outage-detail' }),
    paragraph('Server-side RTO: the same span by the server\'s clock (the recovery row\'s commit time). Resolution: the largest gap between write attempts in the outage; the RTO is only this precise.', { muted: true }),
  );
  const expectations = (r.evidence?.recovery?.faults ?? []).filter((f) => f.expected).map((f) => `${f.fault}: at most ${f.expected!.maxSeconds} s = ${f.expected!.basis}`);
  if (expectations.length > 0) blocks.push(paragraph('Expected RTO, from the configuration:', { muted: true }), list(expectations));
  if (backup) blocks.push(paragraph(backup.ok ? `Backup after the failover: ${backup.id ?? ''} in ${backup.seconds} s.` : `Backup after the failover FAILED after ${backup.seconds} s: ${backup.error ?? ''}`));
  return { title: 'Faults and recovery', blocks };
}

/** When, where, who, versions and images, which drill with which gates, and the command: what an auditor signs off. */
function auditSection(r: RunResult): Section {
  const a = r.audit;
  const rows: [string, Inline][] = [
    ['When', `${a.startedAt} to ${a.finishedAt} (${r.durationSeconds} s)`],
    ['Where', ['host ', code(a.host), `, target ${a.target}`]],
    ['Who', a.user],
    ['Scenario file', code(a.scenarioFile)],
    ['Scenario sha256', code(a.scenarioSha256)],
    ['Thresholds', a.thresholds.length === 0 ? 'none' : joined(a.thresholds.map(code), ', ')],
    ...Object.entries(a.images).map(([k, v]): [string, Inline] => [k === 'image' ? 'Image' : k === 'imageId' ? 'Image id' : k, code(v)]),
    ['Command line', code(shellLine(a.commandLine))],
    ['Working directory', code(a.workingDirectory)],
    ...(a.ci ? [['CI job', a.ci] as [string, Inline]] : []),
  ];
  const versions = Object.entries(a.versions);
  return {
    id: 'audit',
    title: 'Audit',
    blocks: [
      facts(rows, 'audit-facts'),
      heading('Versions'),
      versions.length === 0 ? paragraph('Not recorded.') : table(['Component', 'Version'], versions, { id: 'versions' }),
    ],
  };
}

function configurationSection(r: RunResult): Section {
  const c = r.configuration;
  const patroni = c.cluster.patroni ? `ttl ${c.cluster.patroni.ttl} s, loop_wait ${c.cluster.patroni.loopWait} s, retry_timeout ${c.cluster.patroni.retryTimeout} s` : 'target defaults';
  return {
    id: 'configuration',
    title: 'Configuration',
    blocks: [
      facts([
        ['Zones', c.cluster.zones.join(', ')],
        ['Synchronous replication', c.cluster.synchronous],
        ['Patroni timings', patroni],
        ['Workload', `${c.workload.writers} writers, ${c.workload.rate} writes/s`],
        ...Object.entries(c.target).map(([k, v]): [string, Inline] => [k, String(v)]),
      ]),
      heading('Steps'),
      list(c.steps, { ordered: true }),
    ],
  };
}

function eventsSection(r: RunResult): Section {
  if (r.timeline.length === 0) return { id: 'run-events', title: 'Events', blocks: [paragraph('No events.')] };
  const events = table(['t (s)', 'Time', 'Event'], r.timeline.map((e) => [e.seconds.toFixed(3), e.at, e.what]), { id: 'events' });
  // Collapsed on screen and left out of print (html-kit's CSS): a log, not a finding.
  return { id: 'run-events', title: 'Events', blocks: [details(`${r.timeline.length} events (phases, steps, faults, role changes)`, [events])] };
}
