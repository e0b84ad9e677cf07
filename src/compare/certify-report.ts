import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../checks/metric-catalogue.ts';
import { code, facts, paragraph, table, verdictBadge, type Block, type ReportDocument, type Section } from '../report/document/blocks.ts';
import { renderHtmlDocument } from '../report/document/render-html.ts';
import { renderMarkdownDocument } from '../report/document/render-markdown.ts';
import { amountText } from '../report/format.ts';
import { xmlAttr, xmlText } from '../report/xml-text.ts';
import type { MetricDistribution } from '../report/distributions.ts';
import { toleranceText } from './compare.ts';
import type { Certification, CertifyVerdict, ScenarioCertification } from './certify.ts';

export const CERTIFY_FILES = { md: 'certify.md', html: 'certify.html', json: 'certify.json', junit: 'junit.xml' } as const;

const VERDICT_TEXT: Record<CertifyVerdict, string> = {
  regressed: '❌ regressed',
  broken: '❌ broken',
  improved: '✅ improved',
  fixed: '✅ fixed',
  same: '= same',
  inconclusive: '❓ inconclusive',
};

/** Writes certify.md, certify.html, certify.json and junit.xml into `dir`; returns their names. */
export function writeCertificationReports(certification: Certification, dir: string): string[] {
  const doc = certificationDocument(certification);
  writeFileSync(join(dir, CERTIFY_FILES.md), renderMarkdownDocument(doc));
  writeFileSync(join(dir, CERTIFY_FILES.html), renderHtmlDocument(doc));
  writeFileSync(join(dir, CERTIFY_FILES.json), `${JSON.stringify(certification, null, 2)}\n`);
  writeFileSync(join(dir, CERTIFY_FILES.junit), certificationJunit(certification));
  return Object.values(CERTIFY_FILES);
}

/** The certification as one document: a verdict per scenario, then each scenario's metrics with both distributions. */
export function certificationDocument(c: Certification): ReportDocument {
  const overview: Block = table(
    ['Scenario', 'Verdict', 'Baseline runs', 'Candidate runs', 'Why'],
    c.scenarios.map((s) => [s.scenario, VERDICT_TEXT[s.verdict], sideVerdicts(s, 'baseline'), sideVerdicts(s, 'candidate'), s.reasons[0] ?? '']),
    { id: 'certification', rowClasses: c.scenarios.map((s) => (s.verdict === 'regressed' || s.verdict === 'broken' || s.verdict === 'inconclusive' ? 'bad' : 'good')) },
  );
  return {
    title: `${c.verdict.toUpperCase()} certification — pgdrill`,
    heading: { verdict: c.verdict, text: `certify ${c.candidate} against ${c.baseline}` },
    lead: [
      paragraph(
        'Each metric shows both distributions (min, median, max over the runs). Regressed or improved: the medians differ by more than the tolerance and, for times, the larger RTO resolution, and the two ranges do not overlap.',
        { muted: true },
      ),
    ],
    sections: [
      { title: 'Scenarios', blocks: [overview] },
      { id: 'versions', title: 'Versions', blocks: [versionsTable(c)] },
      ...c.scenarios.map(scenarioSection),
    ],
  };
}

function sideVerdicts(s: ScenarioCertification, side: 'baseline' | 'candidate'): string {
  const run = s[side];
  return run ? run.verdicts.join(', ') : 'not run';
}

function versionsTable(c: Certification): Block {
  const first = (side: 'baseline' | 'candidate') => c.scenarios.find((s) => s[side])?.[side]?.versions ?? {};
  const [a, b] = [first('baseline'), first('candidate')];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return table(['Component', `Baseline (${c.baseline})`, `Candidate (${c.candidate})`], keys.map((k) => [k, a[k] ?? '—', b[k] ?? '—']), { id: 'versions-table' });
}

function scenarioSection(s: ScenarioCertification): Section {
  const blocks: Block[] = [
    facts([
      ['Verdict', VERDICT_TEXT[s.verdict]],
      ['Baseline', s.baseline ? [`${s.baseline.verdicts.length} run(s): `, ...s.baseline.verdicts.flatMap((v, i) => (i === 0 ? [verdictBadge(v)] : [', ', verdictBadge(v)]))] : 'not run'],
      ['Candidate', s.candidate ? [`${s.candidate.verdicts.length} run(s): `, ...s.candidate.verdicts.flatMap((v, i) => (i === 0 ? [verdictBadge(v)] : [', ', verdictBadge(v)]))] : 'not run'],
    ]),
  ];
  if (s.reasons.length > 0) blocks.push(paragraph(s.reasons.join('; ')));
  if (s.metrics.length > 0) {
    blocks.push(table(
      ['Metric', 'Baseline min / median / max', 'Candidate min / median / max', 'Difference (median)', 'Tolerance', ''],
      s.metrics.map((m) => {
        const unit = METRICS[m.metric].unit;
        const dist = (d: MetricDistribution | null) => (d ? `${amountText(unit, d.min!)} / ${amountText(unit, d.median!)} / ${amountText(unit, d.max!)}${d.missing > 0 ? ` (${d.missing} unmeasured)` : ''}` : '—');
        const diff = m.difference === null ? '—' : `${m.difference > 0 ? '+' : ''}${amountText(unit, m.difference)}`;
        const tolerance = m.tolerance ? `${toleranceText(m.tolerance, unit)}${m.resolution ? `, resolution ${m.resolution} s` : ''}` : '—';
        return [code(m.metric), dist(m.baseline), dist(m.candidate), diff, tolerance, m.verdict];
      }),
      { id: `metrics-${s.scenario}`, rowClasses: s.metrics.map((m) => (m.verdict === 'regressed' ? 'bad' : m.verdict === 'improved' ? 'good' : undefined)) },
    ));
  }
  return { id: `scenario-${s.scenario}`, title: `${s.scenario}: ${VERDICT_TEXT[s.verdict]}`, blocks };
}

/** One testcase per scenario: regressed or broken fail, inconclusive is an error, the rest pass. */
export function certificationJunit(c: Certification): string {
  const failures = c.scenarios.filter((s) => s.verdict === 'regressed' || s.verdict === 'broken').length;
  const errors = c.scenarios.filter((s) => s.verdict === 'inconclusive').length;
  const name = `pgdrill certify ${c.candidate} against ${c.baseline}`;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlAttr(name)}" tests="${c.scenarios.length}" failures="${failures}" errors="${errors}">`];
  out.push(`  <testsuite name="${xmlAttr(name)}" tests="${c.scenarios.length}" failures="${failures}" errors="${errors}" skipped="0">`);
  for (const s of c.scenarios) {
    const head = `    <testcase classname="certify" name="${xmlAttr(`${s.scenario}: ${s.verdict}`)}"`;
    const message = xmlAttr(s.reasons[0] ?? s.verdict);
    const body = xmlText(s.reasons.join('\n'));
    if (s.verdict === 'regressed' || s.verdict === 'broken') out.push(`${head}>`, `      <failure message="${message}">${body}</failure>`, '    </testcase>');
    else if (s.verdict === 'inconclusive') out.push(`${head}>`, `      <error message="${message}">${body}</error>`, '    </testcase>');
    else out.push(`${head}/>`);
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
