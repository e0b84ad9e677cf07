import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonReporter, REPORT_JSON } from './json.ts';
import { markdownReporter, renderMarkdown, REPORT_MD } from './markdown.ts';
import { publishRun } from './publish.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';
import { cannedRestoreResult, cannedResult as cannedRunResult, type CannedOverrides } from '../../test/support/canned-run.ts';
import { cannedDrillResult } from '../../test/support/canned-drill.ts';

/** The Markdown tables of one `## ` section: each a list of rows, each row its cells' text. */
function sectionTables(md: string, title: string): string[][][] {
  const start = md.indexOf(`## ${title}\n`);
  if (start === -1) throw new Error(`no section ${title}`);
  const end = md.indexOf('\n## ', start + 3);
  const lines = md.slice(start, end === -1 ? undefined : end).split('\n');
  const tables: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    if (/^\|( --- \|)+$/.test(line)) continue;
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    if (!current) tables.push((current = []));
    current.push(cells);
  }
  return tables;
}

/** What a reader sees of a row: the cells' text without Markdown marks, a few spaces between cells. */
function visibleWidth(cells: readonly string[]): number {
  return cells.map((c) => c.replace(/[`*]/g, '').replace(/\\\|/g, '|')).join('   ').length;
}

/**
 * The canned failover that lost one acknowledged write (the report must make
 * that impossible to miss), with credentials in the target's settings.
 */
function cannedResult(overrides: CannedOverrides = {}): Promise<RunResult> {
  return cannedRunResult({
    environment: { pgdrill: '0.1.0', postgres: '17.2', patroni: '4.0.4' },
    targetConfiguration: { image: 'pgdrill-node:17', superuserPassword: 's3cret', dsn: 'postgresql://postgres:s3cret@127.0.0.1:5432/postgres' },
    ...overrides,
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pgdrill-report-'));
}

describe('report.json', () => {
  it('holds the contract names of issue 3 with the right types', async () => {
    const dir = tempDir();
    await publishRun(await cannedResult(), { reportDir: dir, reporters: [jsonReporter] });
    const json = JSON.parse(readFileSync(join(dir, REPORT_JSON), 'utf8'));
    expect(json).toMatchObject({
      scenario: 'primary-kill', target: 'local', runId: 'run-1', verdict: 'fail',
      startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:01:00.000Z',
    });
    for (const metric of ['rto_seconds', 'write_downtime_seconds', 'rto_resolution_seconds', 'lost_writes', 'unexpected_writes',
      'phantom_writes', 'split_brain_windows', 'writes_ok', 'writes_failed', 'writes_unknown']) {
      expect(typeof json.metrics[metric], metric).toBe('number');
    }
    expect(json.metrics).toMatchObject({ rto_seconds: 5.005, lost_writes: 1, split_brain_windows: 0, writes_failed: 10 });
    expect(json.thresholds).toEqual([
      { metric: 'rto_seconds', expression: 'rto_seconds <= 30', value: 5.005, ok: true },
      { metric: 'lost_writes', expression: 'lost_writes == 0', value: 1, ok: false },
      { metric: 'split_brain_windows', expression: 'split_brain_windows == 0', value: 0, ok: true },
    ]);
    expect(json.faults).toEqual([{
      id: 'f1', kind: 'primary-kill', target: 'pg-a', targets: ['pg-a'],
      injectedAt: '2025-01-01T10:00:10.000Z', healedAt: '2025-01-01T10:00:30.000Z', healOutcome: 'healed',
      // Added with the witnesses (the contract only grows).
      inEffectAt: '2025-01-01T10:00:10.000Z', witness: 'canned witness',
    }]);
    expect(json.evidence.rpo.lost.items[0]).toMatchObject({ key: 'w-99', ackedAt: '2025-01-01T10:00:09.905Z', instance: 'pg-a', timeline: 1 });
  });

  it('keeps rto_seconds in the JSON as null (not absent, not 0) when unmeasured', async () => {
    const result = await cannedResult({ analysis: null, outcome: { verdict: 'skipped', reason: 'target lacks primary-kill' } });
    const json = JSON.parse(JSON.stringify(result));
    expect(json.metrics.rto_seconds).toBeNull();
    expect(json.verdict).toBe('skipped');
    expect(json.verdictReasons).toEqual(['target lacks primary-kill']);
  });

  it('never contains a secret', async () => {
    const dir = tempDir();
    await publishRun(await cannedResult(), { reportDir: dir, reporters: [jsonReporter, markdownReporter] });
    for (const file of [REPORT_JSON, REPORT_MD]) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toContain('s3cret');
      expect(text, file).toContain('[redacted]');
    }
  });
});

describe('report.md', () => {
  it('makes a failed threshold and the lost key with its ack time visible', async () => {
    const md = renderMarkdown(await cannedResult());
    expect(md).toMatch(/^# ❌ FAIL — primary-kill/);
    expect(md).toContain('- lost_writes == 0 failed: lost_writes = 1');
    expect(md).toContain('| `lost_writes == 0` | 1 | ❌ FAIL |');
    expect(md).toContain('| `rto_seconds <= 30` | 5.005 s | ✅ pass |');
    expect(md).toContain('| `w-99` | 2025-01-01T10:00:09.905Z | pg-a | 1 |');
    expect(md).toContain('| f1 | primary-kill | pg-a | 10 s | 30 s | pg-b, timeline 2 (new timeline) |');
    expect(md).toMatch(/\| f1 \| 5\.005 s \| — \| /);
    expect(md).toContain('- **f1**: in effect 2025-01-01T10:00:10.000Z (0 s after the inject); healed 2025-01-01T10:00:30.000Z; proved by: canned witness');
  });

  it('writes key–value facts as a list of labelled lines, never a table with an empty header row', async () => {
    const md = renderMarkdown(await cannedResult());
    expect(md).not.toMatch(/^\|\s*\|\s*\|$/m);
    expect(md).toContain('- **Target:** local');
    expect(md).toContain('- **Run:** run-1');
    expect(md).toContain('- **Scenario sha256:** `' + 'ab'.repeat(32) + '`');
    expect(md).toContain('- **Patroni timings:** ttl 15 s, loop_wait 5 s, retry_timeout 5 s');
  });

  it('keeps "Faults and recovery" readable at a job summary\'s width, with every number still there', async () => {
    const r = await cannedDrillResult();
    const md = renderMarkdown(r);
    const tables = sectionTables(md, 'Faults and recovery');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const rows of tables) {
      for (const cells of rows) {
        expect(cells.length, cells.join(' | ')).toBeLessThanOrEqual(6);
        expect(visibleWidth(cells), cells.join(' | ')).toBeLessThanOrEqual(100);
      }
    }
    const f = r.rto[0]!;
    const section = md.slice(md.indexOf('## Faults and recovery'), md.indexOf('## Evidence'));
    for (const value of [f.rtoSeconds, f.writeDowntimeSeconds, f.serverRtoSeconds, f.resolutionSeconds, f.injectToEffectSeconds]) {
      expect(section, String(value)).toContain(`${value} s`);
    }
    expect(section).toContain(f.effectiveAt);
    expect(section).toContain('pg-b, timeline 2 (new timeline)');
    expect(section).toContain('canned witness');
  });

  it('shows versions, configuration and the timeline of the drill', async () => {
    const md = renderMarkdown(await cannedResult());
    expect(md).toContain('| patroni | 4.0.4 |');
    expect(md).toContain('- **Patroni timings:** ttl 15 s, loop_wait 5 s, retry_timeout 5 s');
    expect(md).toContain('2. inject primary-kill (f1) on the primary');
    expect(md).toMatch(/\| 10\.000 \| .* \| fault f1 injected: primary-kill on pg-a \|/);
    expect(md).toMatch(/\| 15\.000 \| .* \| pg-b became primary \(timeline 2\) \|/);
    expect(md).toMatch(/first write acknowledged after f1: v-0 on pg-b, timeline 2/);
  });

  it('shows each restore: target, where recovery stopped, rows beside the expected range, checksum, offending keys', async () => {
    const md = renderMarkdown(await cannedRestoreResult());
    expect(md).toContain('### Restores (PITR)');
    expect(md).toContain('| restore-1 | mark before-delete (2025-01-01T10:00:20.000Z) | timeline 1, LSN 0/3000148, last commit 2025-01-01T10:00:19.998Z | 3.5 s | 1004 | 1004 to 1006 | 0cc175b9c0f1b6a831c399e269772661 | 1: w-42 | 1: v-7 |');
    expect(md).toContain('| restore-2 | recovery ended before the target was reached |');
    expect(md).toContain('| 20250101-100000F | full |');
    expect(renderMarkdown(await cannedRunResult())).not.toContain('Restores (PITR)');
  });

  it('lists split-brain windows with their instances and writes', async () => {
    const result = await cannedResult();
    result.evidence!.splitBrain.windows = [{
      instances: ['pg-a', 'pg-b'], signs: ['concurrent-writers'], startT: 4_000, endT: 5_000,
      start: '2025-01-01T10:00:04.000Z', end: '2025-01-01T10:00:05.000Z', durationSeconds: 1,
      writes: { count: 1, items: [{ key: 'k7', process: 1, instance: 'pg-a', timeline: 1, ackedAt: '2025-01-01T10:00:04.500Z' }], truncated: false },
    }];
    result.metrics.split_brain_windows = 1;
    expect(renderMarkdown(result)).toContain('| pg-a + pg-b | concurrent-writers | 2025-01-01T10:00:04.000Z | 2025-01-01T10:00:05.000Z | 1 s | 1: `k7@pg-a/tl1` |');
  });
});

describe('publishRun', () => {
  it("keeps the other reporters' output when one throws", async () => {
    const dir = tempDir();
    const broken: Reporter = { name: 'broken', onRun: async () => { throw new Error('disk on fire'); } };
    const outcomes = await publishRun(await cannedResult(), { reportDir: join(dir, 'nested'), reporters: [broken, jsonReporter, markdownReporter] });
    expect(outcomes).toEqual([
      { reporter: 'broken', error: 'disk on fire' },
      { reporter: 'json', files: [REPORT_JSON] },
      { reporter: 'markdown', files: [REPORT_MD] },
    ]);
    expect(readdirSync(join(dir, 'nested')).sort()).toEqual([REPORT_JSON, REPORT_MD]);
  });
});
