import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/report/run-result.ts';
import type { SuiteResult } from '../../src/report/suite-result.ts';
import { ensureChromium, withPage } from '../support/chromium.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { ensureDebianTool } from '../support/debian-package.ts';
import { ensureJenkinsJunitSchema } from '../support/jenkins-junit-schema.ts';
import { useTempStateDir } from '../support/stack.ts';

// Reports from real drills, with as few drills as possible (each ~90 s):
//  1. report-failover with Patroni ttl 10, run alone with --keep (so its
//     passwords can be read from the pgpass file while the stack is up),
//     --pushgateway to a stand-in on 127.0.0.1 and GITHUB_STEP_SUMMARY set;
//  2. the same scenario with ttl 20, run as a suite (a folder).
// Every assertion below shares those two runs.
const state = useTempStateDir();
const root = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-reports-'));
const artifacts = resolve('test-results');
const JUNIT_XSD = resolve('src/report/junit.xsd');

interface Drill {
  cli: CliResult;
  runDir: string;
  report: RunResult;
}

let fast: Drill;
let slowSuite: { cli: CliResult; suiteDir: string; suite: SuiteResult; runDir: string; report: RunResult };
const passwords: string[] = [];
const summaryFile = join(root, 'step-summary.md');
const pushed: { url: string; body: string }[] = [];
let gateway: Server;

beforeAll(async () => {
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pushed.push({ url: req.url ?? '', body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
  const env = { PGDRILL_STATE_DIR: state, GITHUB_STEP_SUMMARY: summaryFile, CI: 'true' };

  const fastCli = await runCli(['run', 'test/fixtures/reports/ttl10/report-failover.ts', '--keep', '--report-dir', join(root, 'ttl10'), '--pushgateway', gatewayUrl], env);
  const runId = /run ([0-9a-f]{8})/.exec(fastCli.stderr)?.[1];
  try {
    // The stack is still up (--keep): its passwords are in the run's pgpass file.
    const pgpass = readFileSync(join(state, runId!, 'pgpass'), 'utf8');
    for (const line of pgpass.trim().split('\n')) passwords.push(line.split(/(?<!\\):/).at(-1)!.replace(/\\:/g, ':').replace(/\\\\/g, '\\'));
  } finally {
    if (runId) await runCli(['down', '--run', runId], { PGDRILL_STATE_DIR: state });
  }
  fast = { cli: fastCli, ...loadRun(fastCli.stdout) };

  const slowCli = await runCli(['run', 'test/fixtures/reports/ttl20', '--report-dir', join(root, 'ttl20')], { PGDRILL_STATE_DIR: state, CI: 'true' });
  const suiteDir = resolve(/suite report: (\S+)index\.md/.exec(slowCli.stdout)?.[1] ?? fail(`no suite report in:\n${slowCli.stdout}\n${slowCli.stderr}`));
  slowSuite = { cli: slowCli, suiteDir, suite: JSON.parse(readFileSync(join(suiteDir, 'suite.json'), 'utf8')), ...loadRun(slowCli.stdout) };
}, 900_000);

afterAll(() => new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r())));

function loadRun(stdout: string): { runDir: string; report: RunResult } {
  const dir = /report: (\S+)report\.md/.exec(stdout)?.[1] ?? fail(`no report path in:\n${stdout}`);
  const runDir = resolve(dir);
  return { runDir, report: JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as RunResult };
}

function fail(message: string): never {
  throw new Error(message);
}

describe('reports of real drills', () => {
  it('both drills ran through and wrote every report file', () => {
    expect(fast.report.verdict, `${fast.report.verdictReasons.join('; ')}\n${fast.cli.stderr.slice(-3000)}`).toBe('pass');
    expect(fast.cli.code).toBe(0);
    expect(slowSuite.report.verdict, slowSuite.report.verdictReasons.join('; ')).toBe('pass');
    expect(slowSuite.cli.code).toBe(0);
    for (const file of ['report.json', 'report.md', 'report.html', 'junit.xml', 'metrics.prom', 'history.jsonl']) {
      expect(existsSync(join(fast.runDir, file)), file).toBe(true);
      expect(existsSync(join(slowSuite.runDir, file)), file).toBe(true);
    }
    expect(readdirSync(slowSuite.suiteDir).filter((f) => !statSync(join(slowSuite.suiteDir, f)).isDirectory()).sort())
      .toEqual(['index.html', 'index.md', 'junit.xml', 'metrics.prom', 'suite.json']);
    expect(slowSuite.suite).toMatchObject({ kind: 'suite', verdict: 'pass', runs: [{ scenario: 'report-failover', verdict: 'pass' }] });
    // Progress in CI: plain lines, wall-clock and elapsed time, each phase with its duration.
    expect(fast.cli.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[\s*[\d.]+s\] provision done \([\d.]+s\)$/m);
    expect(fast.cli.stderr).toMatch(/\] report done \([\d.]+s\)$/m);
    expect(fast.cli.stderr).not.toContain('\u001b[');
  });

  it('report.html opens in headless Chromium with the chart and the tables, fetching nothing', async (ctx) => {
    const browser = await ensureChromium();
    if (!browser.ok) ctx.skip(browser.reason);
    mkdirSync(artifacts, { recursive: true });
    await withPage(join(fast.runDir, 'report.html'), async ({ page, outsideRequests }) => {
      await page.screenshot({ path: join(artifacts, 'report-html.png'), fullPage: true });
      await page.locator('#timeline-figure').screenshot({ path: join(artifacts, 'report-html-chart.png') });
      expect(await page.title()).toMatch(/^PASS report-failover — pgdrill [0-9a-f]{8}$/);
      // Drawn twice (a page's width and a phone's); at this width the wide one shows.
      expect(await page.locator('#timeline-figure svg').count()).toBe(2);
      const chart = page.locator('#timeline-figure .chart-wide svg');
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(600);
      expect(box!.height).toBeGreaterThan(300);
      // Bars of acknowledged writes (green), the fault window, the promotion's label.
      expect(await page.locator('#timeline-figure .chart-wide svg path[fill="#2e7d32"]').count()).toBeGreaterThan(10);
      expect(await chart.textContent()).toMatch(/primary-kill \(pg-[abc]\)/);
      expect(await chart.textContent()).toMatch(/pg-[abc] promoted \(TL 2\)/);
      expect(await chart.textContent()).toMatch(/kill: RTO [\d.]+ s/);
      expect(await page.locator('#thresholds tbody tr').count()).toBe(3);
      expect(await page.locator('#thresholds tbody tr.good').count()).toBe(3);
      expect(await page.locator('#metrics tbody tr').count()).toBe(Object.keys(fast.report.metrics).length);
      expect(await page.locator('#faults tbody tr').count()).toBe(1);
      expect(await page.locator('#audit-facts').textContent()).toContain(fast.report.audit.scenarioSha256);
      expect(await page.locator('#versions').textContent()).toMatch(/patroni 3\.0\.2/);
      expect(outsideRequests).toEqual([]);
    });
    await withPage(join(slowSuite.suiteDir, 'index.html'), async ({ page, outsideRequests }) => {
      await page.screenshot({ path: join(artifacts, 'suite-index-html.png'), fullPage: true });
      expect(await page.locator('#runs tbody tr').count()).toBe(1);
      expect(await page.locator('#runs a').getAttribute('href')).toMatch(/^report-failover-[0-9a-f]{8}\/report\.html$/);
      expect(outsideRequests).toEqual([]);
    });
  });

  it('junit.xml of a run and of a suite validate against the project\'s schema and Jenkins\' own', async (ctx) => {
    const xmllint = await ensureDebianTool('/usr/bin/xmllint', 'libxml2-utils');
    if (!xmllint.ok) ctx.skip(xmllint.reason);
    const jenkins = await ensureJenkinsJunitSchema();
    if (!jenkins.ok) return ctx.skip(jenkins.reason);
    for (const schema of [JUNIT_XSD, jenkins.path]) {
      for (const file of [join(fast.runDir, 'junit.xml'), join(slowSuite.suiteDir, 'junit.xml')]) {
        const { stderr } = await promisify(execFile)('/usr/bin/xmllint', ['--noout', '--schema', schema, file]);
        expect(stderr, `${file} against ${schema}`).toMatch(/validates/);
      }
    }
    const xml = readFileSync(join(fast.runDir, 'junit.xml'), 'utf8');
    expect(xml).toContain(`<property name="rto_seconds" value="${fast.report.metrics.rto_seconds}"/>`);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain(`<testcase name="run completed" classname="pgdrill.report-failover" time="${fast.report.durationSeconds.toFixed(3)}"/>`);
  });

  it('metrics.prom, the Pushgateway and the job summary carry the run', () => {
    const prom = readFileSync(join(fast.runDir, 'metrics.prom'), 'utf8');
    expect(prom).toContain(`pgdrill_rto_seconds{scenario="report-failover",target="local"} ${fast.report.metrics.rto_seconds}`);
    expect(prom).toContain('pgdrill_verdict{scenario="report-failover",target="local",verdict="pass"} 1');
    expect(pushed.map((p) => p.url)).toEqual(['/metrics/job/pgdrill/scenario/report-failover/target/local']);
    expect(pushed[0]!.body).toContain('pgdrill_lost_writes{scenario="report-failover",target="local"} 0');
    const summary = readFileSync(summaryFile, 'utf8');
    expect(summary).toMatch(/^## ✅ PASS — report-failover/);
    expect(summary).toContain('| `rto_seconds <= 60` |');
  });

  it('compare: ttl 20 against ttl 10 is a regression (exit 1); a run against itself is not (exit 0, with a warning; exit 2 with --strict)', async () => {
    expect(slowSuite.report.metrics.rto_seconds!, 'ttl 20 fails over later than ttl 10').toBeGreaterThan(fast.report.metrics.rto_seconds!);
    const regression = await runCli(['compare', fast.runDir, slowSuite.suiteDir]);
    writeFileSync(join(root, 'compare.md'), regression.stdout);
    expect(regression.code, regression.stdout + regression.stderr).toBe(1);
    expect(regression.stdout).toMatch(/^# pgdrill compare: ❌ 1 scenario\(s\) regressed/);
    expect(regression.stdout).toMatch(/\| `rto_seconds` \| [\d.]+ s \| [\d.]+ s \| \+[\d.]+ s \| 1 s or 20% \| ❌ regression \|/);
    const json = await runCli(['compare', '--json', fast.runDir, slowSuite.suiteDir]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).scenarios[0].metrics.find((m: { metric: string }) => m.metric === 'rto_seconds').status).toBe('regression');
    const same = await runCli(['compare', fast.runDir, fast.runDir]);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/^# pgdrill compare: ✅ no regression/);
    expect(same.stderr).toMatch(/warning: report-failover: A and B are the same run/);
    expect((await runCli(['compare', '--strict', fast.runDir, fast.runDir])).code).toBe(2);
  });

  it('no password or connection secret appears in any output of a real run', () => {
    expect(passwords.length, 'passwords read from the run\'s pgpass').toBeGreaterThan(0);
    for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(16);
    const outputs: [string, string][] = [
      ['stdout', fast.cli.stdout],
      ['stderr', fast.cli.stderr],
      ['GITHUB_STEP_SUMMARY', readFileSync(summaryFile, 'utf8')],
      ['pushed metrics', pushed.map((p) => p.body).join('\n')],
      ...readdirSync(fast.runDir).map((f): [string, string] => [f, readFileSync(join(fast.runDir, f), 'utf8')]),
    ];
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(['report.json', 'report.md', 'report.html', 'junit.xml', 'history.jsonl', 'metrics.prom']));
    const generic = [
      /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:(?!\[redacted\])[^\s@/"']+@/i, // user:password@ in a URL
      /\b(password|passwd|pwd|secret|token)["']?\s*[:=]\s*["']?(?!\[redacted\])[^\s"',}&]{6,}/i, // password=..., "password": "..."
      /PGPASSWORD=(?!\[redacted\])\S/,
    ];
    for (const [name, text] of outputs) {
      for (const p of passwords) expect(text.includes(p), `a run password in ${name}`).toBe(false);
      for (const pattern of generic) expect(pattern.exec(text)?.[0], `${pattern} in ${name}`).toBeUndefined();
    }
  });
});
