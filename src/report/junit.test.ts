import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianTool, type ToolCheck } from '../../test/support/debian-package.ts';
import { ensureJenkinsJunitSchema } from '../../test/support/jenkins-junit-schema.ts';
import { cannedResult } from '../../test/support/canned-run.ts';
import { renderJunit } from './junit.ts';
import type { RunResult } from './run-result.ts';
import { cleanText } from './xml-text.ts';

const JUNIT_XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url));
const run = promisify(execFile);

/** A passing testcase given properties, as GitLab and Xray readers allow and Jenkins' schemas do not. */
function withCaseProperties(xml: string): string {
  const passing = 'classname="pgdrill.primary-kill" time="0.000"/>';
  if (!xml.includes(passing)) throw new Error('no passing testcase to give properties to');
  return xml.replace(passing, 'classname="pgdrill.primary-kill" time="0.000">\n<properties><property name="a" value="1"/></properties></testcase>');
}

/** The canned run with its lost write: lost_writes == 0 fails, the others pass. */
const failing = () => cannedResult();

async function variants(): Promise<RunResult[]> {
  const skipped = await cannedResult({ analysis: null, outcome: { verdict: 'skipped', reason: 'the local target cannot do dcs-loss' } });
  const interrupted = await cannedResult({ analysis: null, outcome: { verdict: 'interrupted', reason: 'interrupted by a signal' } });
  const unmeasured = await failing();
  unmeasured.verdict = 'inconclusive';
  unmeasured.metrics.lost_writes = null;
  unmeasured.unmeasured.lost_writes = 'the primary could not be read back';
  unmeasured.thresholds[1] = { ...unmeasured.thresholds[1]!, value: null, ok: false };
  unmeasured.verdictReasons = ['lost_writes == 0 not measured: the primary could not be read back'];
  return [await failing(), skipped, interrupted, unmeasured];
}

describe('junit.xml', () => {
  it('has one testsuite per run, one testcase per threshold named by its expression, and one for the run', async () => {
    const xml = renderJunit(await variants());
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    const first = xml.slice(xml.indexOf('<testsuite '), xml.indexOf('</testsuite>'));
    expect(first).toContain('<testsuite name="primary-kill" tests="4" failures="1" errors="0" skipped="0" time="60.000" timestamp="2025-01-01T10:00:00"');
    expect(first).toContain('<testcase name="rto_seconds &lt;= 30" classname="pgdrill.primary-kill" time="0.000"/>');
    expect(first).toContain('<testcase name="lost_writes == 0" classname="pgdrill.primary-kill" time="0.000">');
    expect(first).toContain('<testcase name="run completed" classname="pgdrill.primary-kill" time="60.000"/>');
    expect(xml).toMatch(/<testsuites name="pgdrill" tests="16" failures="1" errors="6" time="/);
    expect(xml.match(/<skipped>/g)).toHaveLength(4);
  });

  it('puts every measured value in properties and the broken numbers in the failure text, not only the message', async () => {
    const xml = renderJunit([await failing()]);
    expect(xml).toContain('<property name="rto_seconds" value="5.005"/>');
    expect(xml).toContain('<property name="lost_writes" value="1"/>');
    expect(xml).toContain('<property name="rpo_seconds" value="0"/>');
    expect(xml).toContain('<property name="environment.patroni" value="3.0.2"/>');
    expect(xml).toContain('<property name="scenarioSha256" value="' + 'ab'.repeat(32) + '"/>');
    const failure = /<failure message="([^"]*)" type="threshold">([^<]*)<\/failure>/.exec(xml);
    expect(failure?.[1]).toBe('lost_writes == 0 failed: lost_writes = 1');
    expect(failure?.[2]).toContain('lost_writes == 0 failed: lost_writes = 1');
    expect(failure?.[2]).toContain('FAIL lost_writes == 0 (lost_writes = 1)');
    expect(failure?.[2]).toContain('ok   rto_seconds &lt;= 30 (rto_seconds = 5.005 s)');
  });

  it('reports a skipped run as skipped cases, an interrupted or unmeasured one as errors with the reason', async () => {
    const [, skipped, interrupted, unmeasured] = await variants();
    const skippedXml = renderJunit([skipped!]);
    expect(skippedXml.match(/<skipped>the local target cannot do dcs-loss<\/skipped>/g)).toHaveLength(4);
    const interruptedXml = renderJunit([interrupted!]);
    expect(interruptedXml).toMatch(/<testcase name="run completed" classname="pgdrill.primary-kill" time="[\d.]+">/);
    expect(interruptedXml).toMatch(/<error message="interrupted: interrupted by a signal" type="interrupted">/);
    const unmeasuredXml = renderJunit([unmeasured!]);
    expect(unmeasuredXml).toContain('<error message="lost_writes == 0 not measured: the primary could not be read back" type="inconclusive">');
    expect(unmeasuredXml).not.toContain('<property name="lost_writes"');
  });

  it('times: the run-level case carries the drill\'s duration, thresholds 0, so the cases add up to each suite\'s time', async () => {
    const xml = renderJunit(await variants());
    const suites = xml.split('<testsuite ').slice(1);
    expect(suites).toHaveLength(4);
    for (const suite of suites) {
      const suiteTime = Number(/^[^>]* time="([\d.]+)"/.exec(suite)![1]);
      const caseTimes = [...suite.matchAll(/<testcase name="([^"]*)" [^>]*time="([\d.]+)"/g)].map((m) => ({ name: m[1]!, time: Number(m[2]) }));
      expect(caseTimes.reduce((t, c) => t + c.time, 0)).toBeCloseTo(suiteTime, 3);
      expect(caseTimes.find((c) => c.name === 'run completed')?.time).toBe(suiteTime);
      for (const c of caseTimes.filter((c) => c.name !== 'run completed')) expect(c.time).toBe(0);
    }
    const failingXml = renderJunit([await failing()]);
    expect(failingXml).toContain('<testcase name="run completed" classname="pgdrill.primary-kill" time="60.000"/>');
    const total = Number(/<testsuites [^>]*time="([\d.]+)"/.exec(xml)![1]);
    const allCases = [...xml.matchAll(/<testcase [^>]*time="([\d.]+)"/g)].reduce((t, m) => t + Number(m[1]), 0);
    expect(allCases).toBeCloseTo(total, 3);
  });

  it('leaves out the property of a metric that was not measured instead of writing "null"', async () => {
    const [, , , unmeasured] = await variants();
    const xml = renderJunit([unmeasured!]);
    expect(xml).not.toContain('name="lost_writes"');
    expect(xml).not.toMatch(/value="null"/);
    expect(xml).toContain('<property name="rto_seconds" value="5.005"/>');
  });

  it('strips ANSI colour codes and control characters from every message', async () => {
    const r = await failing();
    r.verdictReasons.push('\u001b[31mpg_ctl: \u001b[1mcould not start\u001b[0m\u0000\u0007 server\u001b]0;title\u0007');
    r.errors.push('docker said \u001b[33mwarning\u001b[39m\u0008\u001b[2K here <&>');
    const xml = renderJunit([r]);
    expect(xml).toContain('pg_ctl: could not start server');
    expect(xml).toContain('docker said warning here &lt;&amp;&gt;');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(cleanText('a\u001b[38;5;196mb\u009b1mc\r\nd')).toBe('abc\nd');
  });

  it('junitparser merge, which recomputes every total from the cases, keeps the runs\' time', async (ctx) => {
    const junitparser = await ensureDebianTool('/usr/lib/python3/dist-packages/junitparser/__init__.py', 'python3-junitparser');
    if (!junitparser.ok) return ctx.skip(junitparser.reason);
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-junitparser-'));
    const first = await failing();
    const second = await failing();
    second.runId = 'run-2';
    second.durationSeconds = 244;
    const files = [first, second].map((r, i) => {
      const file = join(dir, `junit-${i}.xml`);
      writeFileSync(file, renderJunit([r]));
      return file;
    });
    const { stdout } = await run('/usr/bin/python3', ['-m', 'junitparser', 'merge', ...files, '-']);
    const total = /<testsuites[^>]* time="([\d.]+)"/.exec(stdout);
    expect(Number(total?.[1]), stdout.slice(0, 300)).toBeCloseTo(60 + 244, 3);
  }, 660_000);

  describe('against the project\'s JUnit schema and Jenkins\' own (xmllint)', () => {
    let xmllint: ToolCheck;
    let jenkins: ToolCheck;
    beforeAll(async () => {
      xmllint = await ensureDebianTool('/usr/bin/xmllint', 'libxml2-utils');
      jenkins = await ensureJenkinsJunitSchema();
    }, 660_000);

    async function validate(xml: string, schema = JUNIT_XSD): Promise<{ ok: boolean; output: string }> {
      const dir = mkdtempSync(join(tmpdir(), 'pgdrill-junit-'));
      const file = join(dir, 'junit.xml');
      writeFileSync(file, xml);
      try {
        const { stderr } = await run('/usr/bin/xmllint', ['--noout', '--schema', schema, file]);
        return { ok: true, output: stderr };
      } catch (error) {
        return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
      }
    }

    it('validates a single run, a suite of every verdict, and a run with hostile text', async (ctx) => {
      if (!xmllint.ok) ctx.skip(xmllint.reason);
      const hostile = await failing();
      hostile.scenario = 'weird <"scenario"> & \u001b[1mbold\u001b[0m';
      hostile.verdictReasons.push('\u0001\u0002 ]]> --> <!-- &amp;');
      for (const xml of [renderJunit([await failing()]), renderJunit(await variants(), 'nightly'), renderJunit([hostile])]) {
        const result = await validate(xml);
        expect(result.output).toMatch(/validates/);
        expect(result.ok, result.output).toBe(true);
      }
    });

    it('rejects what CI systems would choke on (the schema has teeth)', async (ctx) => {
      if (!xmllint.ok) ctx.skip(xmllint.reason);
      const xml = renderJunit([await failing()]);
      expect((await validate(xml.replace(/ tests="4"/, ''))).ok).toBe(false);
      expect((await validate(xml.replace('<failure ', '<failed '))).ok).toBe(false);
      expect((await validate(xml.replace(/time="60.000"/, 'time="-1"'))).ok).toBe(false);
      // What Jenkins' schemas reject, ours rejects too: properties on a testcase, skipped on <testsuites>, a skip's message attribute.
      expect((await validate(withCaseProperties(xml))).ok).toBe(false);
      expect((await validate(xml.replace('<testsuites name="pgdrill"', '<testsuites skipped="0" name="pgdrill"'))).ok).toBe(false);
      const skipped = renderJunit([(await variants())[1]!]);
      expect((await validate(skipped)).ok).toBe(true);
      expect((await validate(skipped.replace(/<skipped>([^<]*)<\/skipped>/, '<skipped message="$1"/>'))).ok).toBe(false);
    });

    it('validates against Jenkins\' published JUnit schema, which rejects what other JUnit writers add', async (ctx) => {
      if (!xmllint.ok) ctx.skip(xmllint.reason);
      if (!jenkins.ok) return ctx.skip(jenkins.reason);
      for (const xml of [renderJunit([await failing()]), renderJunit(await variants(), 'nightly')]) {
        const result = await validate(xml, jenkins.path);
        expect(result.ok, result.output).toBe(true);
      }
      // The schema is strict where it matters: a testcase's properties (as GitLab and Xray readers allow) fail it.
      const xml = renderJunit([await failing()]);
      expect((await validate(withCaseProperties(xml), jenkins.path)).ok).toBe(false);
    });
  });
});
