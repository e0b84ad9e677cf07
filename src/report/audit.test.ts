import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactCommandLine } from './audit.ts';
import { cannedResult } from '../../test/support/canned-run.ts';
import { jsonReporter, REPORT_JSON } from './json.ts';
import { shellLine } from './format.ts';
import { renderMarkdown } from './markdown.ts';
import { publishRun } from './publish.ts';

describe('audit', () => {
  it('report.json holds when, where, who, versions, images, scenario hash, thresholds and the command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-audit-'));
    await publishRun(await cannedResult(), { reportDir: dir, reporters: [jsonReporter] });
    const { audit } = JSON.parse(readFileSync(join(dir, REPORT_JSON), 'utf8'));
    expect(audit).toEqual({
      startedAt: '2025-01-01T10:00:00.000Z',
      finishedAt: '2025-01-01T10:01:00.000Z',
      host: 'drill-host',
      target: 'local',
      user: 'sre',
      versions: { pgdrill: '0.1.0', node: 'v20.19.0', postgres: '15.18', patroni: '3.0.2' },
      images: { image: 'pgdrill-node:abc', imageId: 'sha256:' + 'cd'.repeat(32) },
      scenarioFile: 'scenarios/primary-kill.ts',
      scenarioSha256: 'ab'.repeat(32),
      thresholds: ['rto_seconds <= 30', 'lost_writes == 0', 'split_brain_windows == 0'],
      commandLine: ['/usr/bin/node', '/opt/pgdrill/bin/pgdrill.js', 'run', 'primary-kill', '--report-dir', 'out'],
      workingDirectory: '/srv/drills',
    });
  });

  it('report.md has an audit section a person can sign off', async () => {
    const md = renderMarkdown(await cannedResult());
    const audit = md.slice(md.indexOf('## Audit'), md.indexOf('## Configuration'));
    expect(audit).toContain('- **When:** 2025-01-01T10:00:00.000Z to 2025-01-01T10:01:00.000Z (60 s)');
    expect(audit).toContain('- **Where:** host `drill-host`, target local');
    expect(audit).toContain('- **Who:** sre');
    expect(audit).toContain(`- **Scenario sha256:** \`${'ab'.repeat(32)}\``);
    expect(audit).toContain('- **Thresholds:** `rto_seconds <= 30`, `lost_writes == 0`, `split_brain_windows == 0`');
    expect(audit).toContain(`- **Image id:** \`sha256:${'cd'.repeat(32)}\``);
    expect(audit).toContain('- **Command line:** `/usr/bin/node /opt/pgdrill/bin/pgdrill.js run primary-kill --report-dir out`');
    expect(audit).toContain('| patroni | 3.0.2 |');
  });

  it('names the CI job that ran the drill', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.example', GITHUB_REPOSITORY: 'sre/drills', GITHUB_RUN_ID: '42' });
    try {
      expect((await cannedResult()).audit.ci).toBe('https://github.example/sre/drills/actions/runs/42');
    } finally {
      for (const key of ['GITHUB_ACTIONS', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('redacts secret-looking flags, variables, URL passwords and conninfo pairs from the command line', () => {
    expect(redactCommandLine([
      'node', 'pgdrill', 'run', 'x', '--password', 'hunter2', '--api-token=abc123', '-secret=s', 'PGPASSWORD=pw1',
      '--pushgateway', 'https://bob:pa55@push.example:9091', 'host=db password=pw2 user=u', '--report-dir', 'out',
    ])).toEqual([
      'node', 'pgdrill', 'run', 'x', '--password', '[redacted]', '--api-token=[redacted]', '-secret=[redacted]', 'PGPASSWORD=[redacted]',
      '--pushgateway', 'https://bob:[redacted]@push.example:9091', 'host=db password=[redacted] user=u', '--report-dir', 'out',
    ]);
    expect(shellLine(['pgdrill', 'run', 'a b', "it's"])).toBe(`pgdrill run 'a b' 'it'\\''s'`);
  });
});
