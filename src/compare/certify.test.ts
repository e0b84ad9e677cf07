import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, withPage } from '../../test/support/chromium.ts';
import type { ToolCheck } from '../../test/support/debian-package.ts';
import type { Verdict } from '../judge/verdict.ts';
import type { RunResult } from '../report/run-result.ts';
import { certify, type Certification } from './certify.ts';
import { CERTIFY_FILES, writeCertificationReports } from './certify-report.ts';

let serial = 0;
/** The fields certify reads of a run: scenario, verdict, metrics, reasons, versions. */
function run(scenario: string, verdict: Verdict, metrics: Record<string, number | null>, options: { reasons?: string[]; stack?: string } = {}): RunResult {
  serial += 1;
  return {
    scenario,
    runId: `r${serial}`,
    verdict,
    verdictReasons: options.reasons ?? [],
    metrics,
    unmeasured: {},
    environment: { stack: options.stack ?? 'debian12', postgres: 'postgres (PostgreSQL) 15.18', patroni: 'patroni 3.0.2' },
  } as unknown as RunResult;
}

const rtoRuns = (scenario: string, values: number[], verdict: Verdict = 'pass', stack = 'debian12') =>
  values.map((rto) => run(scenario, verdict, { rto_seconds: rto, rto_resolution_seconds: 0.08, lost_writes: 0 }, { stack }));

function scenario(c: Certification, name: string) {
  const s = c.scenarios.find((x) => x.scenario === name);
  if (!s) throw new Error(`no ${name} in the certification`);
  return s;
}

describe('certify', () => {
  it('fixed: failed on the baseline with the lost writes named, passes on the candidate; that alone does not fail the certification', () => {
    const lost = { reasons: ['lost_writes == 0 failed: lost_writes = 3'] };
    const c = certify(
      { label: 'debian12', runs: [run('freeze-etcd3', 'fail', { lost_writes: 3 }, lost), run('freeze-etcd3', 'fail', { lost_writes: 5 }, lost)] },
      { label: 'debian13', runs: [run('freeze-etcd3', 'pass', { lost_writes: 0 }, { stack: 'debian13' }), run('freeze-etcd3', 'pass', { lost_writes: 0 }, { stack: 'debian13' })] },
    );
    const s = scenario(c, 'freeze-etcd3');
    expect(s.verdict).toBe('fixed');
    expect(s.reasons.join('\n')).toContain('lost_writes = 3');
    expect(c.verdict).toBe('pass');
  });

  it('fixed: a defect that shows in some baseline runs only (a race) still counts; the run that passed does not hide it', () => {
    const lost = { reasons: ['lost_writes == 0 failed: lost_writes = 1188'] };
    const c = certify(
      { label: 'debian12', runs: [run('freeze-etcd3', 'pass', { lost_writes: 0 }), run('freeze-etcd3', 'fail', { lost_writes: 1188 }, lost), run('freeze-etcd3', 'pass', { lost_writes: 0 })] },
      { label: 'debian13', runs: [0, 1, 2].map(() => run('freeze-etcd3', 'pass', { lost_writes: 0 }, { stack: 'debian13' })) },
    );
    const s = scenario(c, 'freeze-etcd3');
    expect(s.verdict).toBe('fixed');
    expect(s.baseline?.verdicts).toEqual(['pass', 'fail', 'pass']);
    expect(s.reasons.join('\n')).toContain('lost_writes = 1188');
  });

  it('broken: passed on the baseline, one candidate run failed: the certification fails', () => {
    const c = certify(
      { label: 'debian12', runs: rtoRuns('switchover', [2, 2.1]) },
      { label: 'debian13', runs: [...rtoRuns('switchover', [2.2]), run('switchover', 'fail', { rto_seconds: 2, lost_writes: 1 }, { reasons: ['lost_writes == 0 failed: lost_writes = 1'] })] },
    );
    expect(scenario(c, 'switchover').verdict).toBe('broken');
    expect(c.verdict).toBe('fail');
  });

  it('regressed: every candidate RTO worse than every baseline one, by more than the tolerance', () => {
    const c = certify({ label: 'a', runs: rtoRuns('primary-kill', [10.5, 11.3, 12]) }, { label: 'b', runs: rtoRuns('primary-kill', [21.8, 22.2, 22.9]) });
    const s = scenario(c, 'primary-kill');
    expect(s.verdict).toBe('regressed');
    const rto = s.metrics.find((m) => m.metric === 'rto_seconds')!;
    expect(rto).toMatchObject({ verdict: 'regressed', difference: 10.9 });
    expect(rto.baseline).toMatchObject({ min: 10.5, median: 11.3, max: 12 });
    expect(rto.candidate).toMatchObject({ min: 21.8, median: 22.2, max: 22.9 });
    expect(s.reasons[0]).toBe('rto_seconds worse: median 11.3 → 22.2 (baseline 10.5–12, candidate 21.8–22.9; allowed 2.26)');
    expect(c.verdict).toBe('fail');
  });

  it('same: a median beyond the tolerance whose ranges overlap is noise, not a regression', () => {
    const c = certify({ label: 'a', runs: rtoRuns('primary-kill', [10, 10.2, 16]) }, { label: 'b', runs: rtoRuns('primary-kill', [13, 13.1, 13.3]) });
    expect(scenario(c, 'primary-kill').metrics.find((m) => m.metric === 'rto_seconds')!.verdict).toBe('same');
    expect(scenario(c, 'primary-kill').verdict).toBe('same');
  });

  it("a time must move by more than either side's RTO resolution, even with no tolerance", () => {
    const strict = { rto_seconds: { absolute: 0, relative: 0 } };
    const small = certify({ label: 'a', runs: rtoRuns('primary-kill', [10]) }, { label: 'b', runs: rtoRuns('primary-kill', [10.05]) }, strict);
    expect(scenario(small, 'primary-kill').metrics.find((m) => m.metric === 'rto_seconds')).toMatchObject({ verdict: 'same', resolution: 0.08 });
    const large = certify({ label: 'a', runs: rtoRuns('primary-kill', [10]) }, { label: 'b', runs: rtoRuns('primary-kill', [10.5]) }, strict);
    expect(scenario(large, 'primary-kill').verdict).toBe('regressed');
  });

  it('improved: better beyond the noise, nothing worse', () => {
    const c = certify({ label: 'a', runs: rtoRuns('zone-loss', [20, 21]) }, { label: 'b', runs: rtoRuns('zone-loss', [11, 12]) });
    expect(scenario(c, 'zone-loss').verdict).toBe('improved');
    expect(c.verdict).toBe('pass');
  });

  it('a metric the baseline measured and no candidate run did is a regression', () => {
    const c = certify(
      { label: 'a', runs: rtoRuns('primary-kill', [10]) },
      { label: 'b', runs: [run('primary-kill', 'pass', { rto_seconds: null, lost_writes: 0 })] },
    );
    expect(scenario(c, 'primary-kill').verdict).toBe('regressed');
  });

  it('inconclusive when a run neither passed nor failed, or a side lacks the scenario: never a pass', () => {
    const unclear = certify(
      { label: 'a', runs: rtoRuns('freeze', [10]) },
      { label: 'b', runs: [run('freeze', 'inconclusive', { lost_writes: null }, { reasons: ['the fault never took effect'] })] },
    );
    expect(scenario(unclear, 'freeze').verdict).toBe('inconclusive');
    expect(unclear.verdict).toBe('inconclusive');
    const missing = certify({ label: 'a', runs: rtoRuns('freeze', [10]) }, { label: 'b', runs: rtoRuns('switchover', [2]) });
    expect(scenario(missing, 'freeze')).toMatchObject({ verdict: 'inconclusive', reasons: ['freeze was not run on the candidate'] });
    expect(missing.verdict).toBe('inconclusive');
  });

  it("kube generations: each side's versions name the generation, the operator's image and the Cluster's image", () => {
    const kubeRun = (generation: string, operator: string, image: string): RunResult => ({
      ...run('primary-kill', 'pass', { rto_seconds: 8, rto_resolution_seconds: 0.08, lost_writes: 0 }),
      environment: { stack: generation, cloudnativePg: operator, postgresImage: image, postgres: 'PostgreSQL 18.4', kubeContext: 'kind-pgdrill' },
    } as unknown as RunResult);
    const image = 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie';
    const c = certify(
      { label: 'cnpg-1.29.2', runs: [kubeRun(`cnpg-1.29.2+${image}`, 'ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2', image)] },
      { label: 'cnpg-1.30.0', runs: [kubeRun(`cnpg-1.30.0+${image}`, 'ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0', image)] },
    );
    expect(scenario(c, 'primary-kill').candidate?.versions).toEqual({
      stack: `cnpg-1.30.0+${image}`,
      postgres: 'PostgreSQL 18.4',
      cloudnativePg: 'ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0',
      postgresImage: image,
    });
  });

  describe('the certification report', () => {
    let browser: ToolCheck;
    let dir = '';
    beforeAll(async () => {
      browser = await ensureChromium();
      dir = mkdtempSync(join(tmpdir(), 'pgdrill-certify-'));
      const lost = { reasons: ['lost_writes == 0 failed: lost_writes = 3'] };
      writeCertificationReports(
        certify(
          { label: 'debian12', runs: [...rtoRuns('primary-kill', [10.5, 11.3, 12]), run('freeze-etcd3', 'fail', { lost_writes: 3 }, lost)] },
          { label: 'debian13', runs: [...rtoRuns('primary-kill', [21.8, 22.2, 22.9], 'pass', 'debian13'), run('freeze-etcd3', 'pass', { lost_writes: 0 }, { stack: 'debian13' })] },
        ),
        dir,
      );
    }, 660_000);

    it('writes md, html, json and junit; the junit fails the regressed scenario and passes the fixed one', () => {
      const junit = readFileSync(join(dir, CERTIFY_FILES.junit), 'utf8');
      expect(junit).toContain('tests="2" failures="1" errors="0"');
      expect(junit).toContain('<testcase classname="certify" name="freeze-etcd3: fixed"/>');
      expect(JSON.parse(readFileSync(join(dir, CERTIFY_FILES.json), 'utf8'))).toMatchObject({ kind: 'certification', verdict: 'fail' });
      expect(readFileSync(join(dir, CERTIFY_FILES.md), 'utf8')).toContain('| `rto_seconds` | 10.5 s / 11.3 s / 12 s | 21.8 s / 22.2 s / 22.9 s | +10.9 s |');
    });

    it('shows both distributions in headless Chromium', async (ctx) => {
      if (!browser.ok) return ctx.skip(browser.reason);
      await withPage(join(dir, CERTIFY_FILES.html), async ({ page, outsideRequests }) => {
        const row = page.locator('#metrics-primary-kill tr', { hasText: 'rto_seconds' });
        await expect(row.count()).resolves.toBe(1);
        const cells = await row.locator('td').allInnerTexts();
        expect(cells.slice(1, 4)).toEqual(['10.5 s / 11.3 s / 12 s', '21.8 s / 22.2 s / 22.9 s', '+10.9 s']);
        expect(await row.isVisible()).toBe(true);
        expect(await page.locator('#certification').innerText()).toContain('fixed');
        expect(outsideRequests).toEqual([]);
      });
    }, 60_000);
  });
});
