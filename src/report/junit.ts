import { METRICS, METRIC_NAMES, type MetricName } from '../checks/metric-catalogue.ts';
import { writeReportFile, type Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';
import { xmlAttr, xmlText } from './xml-text.ts';

export const JUNIT_XML = 'junit.xml';

/** What one testcase says; exactly one per threshold, plus one for the run itself. */
type CaseOutcome =
  | { kind: 'passed' }
  | { kind: 'failure'; message: string; text: string }
  | { kind: 'error'; message: string; text: string }
  | { kind: 'skipped'; message: string };

interface TestCase {
  name: string;
  outcome: CaseOutcome;
  /** Seconds: the drill's duration on the run-level case, 0 on a threshold's (see renderJunit). */
  time: number;
}

/** The run-level testcase's name. */
export const RUN_CASE = 'run completed';

/**
 * junit.xml (k6 style): one <testsuite> per run, named after the scenario,
 * one <testcase> per threshold, named by its expression so CI keeps its
 * history across runs, and one run-level case, "run completed". Every
 * measured metric is a property of the suite (a metric with no value has
 * none); a broken threshold's numbers are in the failure's text as well as
 * its message (some CI systems drop the attribute). A threshold over a
 * metric that could not be measured is an <error>; a skipped run's cases are
 * <skipped>; the run-level case passes when the drill ran through (pass or
 * fail) and is an <error> when it was inconclusive or interrupted.
 *
 * Times: the run-level case carries the drill's whole duration and every
 * threshold case 0 (evaluating a threshold takes no time; what it judged
 * took the whole drill, and counting that once per threshold would multiply
 * it). So the cases of a suite add up to its time, and a tool that
 * recomputes totals from the cases (junitparser's merge, GitLab) keeps the
 * run's duration.
 *
 * Only elements and attributes that both of Jenkins' JUnit schemas accept
 * (the xUnit plugin's junit-10 and the older junit-4, the strictest readers:
 * they validate and reject) are written: no properties on a testcase, no
 * skipped or timestamp on <testsuites>, no file on <testsuite>, and a
 * skip's reason as the text of <skipped>. junit.xsd encodes that subset.
 */
export function renderJunit(results: readonly RunResult[], name = 'pgdrill'): string {
  const suites = results.map(suiteOf);
  const count = (kind: CaseOutcome['kind']) => suites.reduce((n, s) => n + s.cases.filter((c) => c.outcome.kind === kind).length, 0);
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const time = results.reduce((t, r) => t + r.durationSeconds, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${xmlAttr(name)}" tests="${tests}" failures="${count('failure')}" errors="${count('error')}" time="${seconds(time)}">`,
  );
  for (const suite of suites) out.push(...renderSuite(suite));
  out.push('</testsuites>', '');
  return out.join('\n');
}

interface Suite {
  result: RunResult;
  cases: TestCase[];
}

function suiteOf(r: RunResult): Suite {
  const evaluated = new Map(r.thresholds.map((t) => [t.expression, t]));
  const reasons = r.verdictReasons.join('\n');
  const cases: TestCase[] = [];
  for (const expression of r.configuration.thresholds) {
    const t = evaluated.get(expression);
    let outcome: CaseOutcome;
    if (r.verdict === 'skipped') outcome = { kind: 'skipped', message: reasons || 'skipped' };
    else if (!t) outcome = { kind: 'error', message: `not evaluated: ${reasons || 'the run ended before its checks ran'}`, text: runText(r) };
    else if (t.ok) outcome = { kind: 'passed' };
    else if (t.value === null && r.unmeasured[t.metric] !== undefined) {
      outcome = { kind: 'error', message: `${expression} not measured: ${r.unmeasured[t.metric]}`, text: runText(r) };
    } else if (t.undecided !== undefined) {
      outcome = { kind: 'error', message: `${expression} cannot be judged: ${t.undecided}`, text: runText(r) };
    } else {
      const message = t.value === null
        ? `${expression} failed: ${t.metric} has no finite value (no write was acknowledged after a fault)`
        : `${expression} failed: ${t.metric} = ${valueWithUnit(t.metric, t.value)}`;
      outcome = { kind: 'failure', message, text: `${message}\n${runText(r)}` };
    }
    cases.push({ name: expression, outcome, time: 0 });
  }
  // The thresholds alone would not show why the gate is red when the run itself did not complete.
  const runOutcome: CaseOutcome = r.verdict === 'inconclusive' || r.verdict === 'interrupted'
    ? { kind: 'error', message: `${r.verdict}: ${reasons}`, text: runText(r) }
    : r.verdict === 'skipped'
      ? { kind: 'skipped', message: reasons || 'skipped' }
      : { kind: 'passed' };
  cases.push({ name: RUN_CASE, outcome: runOutcome, time: Math.max(0, r.durationSeconds) });
  return { result: r, cases };
}

function renderSuite({ result: r, cases }: Suite): string[] {
  const count = (kind: CaseOutcome['kind']) => cases.filter((c) => c.outcome.kind === kind).length;
  const out = [
    `  <testsuite name="${xmlAttr(r.scenario)}" tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${seconds(r.durationSeconds)}" timestamp="${timestamp(r.startedAt)}" hostname="${xmlAttr(r.audit?.host ?? r.environment.host ?? 'unknown')}" id="${xmlAttr(r.runId)}" package="pgdrill.${xmlAttr(r.target)}">`,
  ];
  out.push('    <properties>');
  for (const [name, value] of suiteProperties(r)) out.push(`      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`);
  out.push('    </properties>');
  const classname = `pgdrill.${r.scenario}`;
  for (const c of cases) {
    const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(classname)}" time="${seconds(c.time)}"`;
    const body: string[] = [];
    const o = c.outcome;
    if (o.kind === 'failure' || o.kind === 'error') {
      const type = o.kind === 'failure' ? 'threshold' : r.verdict;
      body.push(`      <${o.kind} message="${xmlAttr(o.message)}" type="${xmlAttr(type)}">${xmlText(o.text)}</${o.kind}>`);
    } else if (o.kind === 'skipped') {
      body.push(`      <skipped>${xmlText(o.message)}</skipped>`);
    }
    out.push(body.length === 0 ? `${open}/>` : `${open}>`, ...(body.length === 0 ? [] : [...body, '    </testcase>']));
  }
  out.push(`    <system-out>${xmlText(runText(r))}</system-out>`);
  if (r.errors.length > 0) out.push(`    <system-err>${xmlText(r.errors.join('\n'))}</system-err>`);
  out.push('  </testsuite>');
  return out;
}

/** Every metric that has a value (one without has no property: absent, never the string "null"), then who/what/where. */
function suiteProperties(r: RunResult): [string, string][] {
  const props: [string, string][] = METRIC_NAMES.flatMap((m): [string, string][] => {
    const value = r.metrics[m];
    return value === null || value === undefined ? [] : [[m, String(value)]];
  });
  props.push(
    ['verdict', r.verdict],
    ['runId', r.runId],
    ['target', r.target],
    ['startedAt', r.startedAt],
    ['finishedAt', r.finishedAt],
    ['scenarioFile', r.scenarioFile],
    ['scenarioSha256', r.scenarioSha256],
  );
  for (const [k, v] of Object.entries(r.environment)) props.push([`environment.${k}`, v]);
  return props;
}

/** The run in a few lines: why, the thresholds, every metric. Shown by CI next to a failure. */
function runText(r: RunResult): string {
  const lines = [`${r.scenario}: ${r.verdict.toUpperCase()} (run ${r.runId} on ${r.target}, ${r.startedAt}, ${r.durationSeconds} s)`];
  for (const reason of r.verdictReasons) lines.push(`  ${reason}`);
  for (const t of r.thresholds) lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.expression} (${t.metric} = ${t.value === null ? 'null' : valueWithUnit(t.metric, t.value)})`);
  lines.push(`  ${METRIC_NAMES.map((m) => `${m}=${r.metrics[m] ?? 'null'}`).join(' ')}`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  return lines.join('\n');
}

function valueWithUnit(metric: MetricName, value: number): string {
  return METRICS[metric].unit === 'seconds' ? `${value} s` : String(value);
}

function seconds(value: number): string {
  return Math.max(0, value).toFixed(3);
}

/** ISO 8601 without zone or fraction (the Ant schema's form most CI parsers expect); pgdrill's times are UTC. */
function timestamp(iso: string): string {
  return iso.replace(/\.\d+/, '').replace(/Z$|[+-]\d\d:\d\d$/, '');
}

export const junitReporter: Reporter = {
  name: 'junit',
  onRun: (result, { reportDir }) => writeReportFile(reportDir, JUNIT_XML, renderJunit([result], `pgdrill ${result.scenario}`)),
  // One file with every run's testsuite: what a CI test report of the whole suite reads.
  onSuite: (suite, results, { suiteDir }) => writeReportFile(suiteDir, JUNIT_XML, renderJunit(results, `pgdrill suite ${suite.suiteId}`)),
};
