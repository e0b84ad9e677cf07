import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerClient } from '../../src/targets/local/docker-engine.ts';
import { pgdrillRules } from '../../src/targets/local/local-faults.ts';
import { RUN_LABEL } from '../../src/targets/labels.ts';
import { runCli, startCli, waitForOutput } from '../support/cli.ts';
import { leftovers, useTempStateDir } from '../support/stack.ts';

// Ctrl-C while three faults are active, with --keep so the stack survives
// for inspection: no paused container and no pgdrill iptables rule may remain.
describe('faults are healed on every exit path', () => {
  const state = useTempStateDir();
  const env = { PGDRILL_STATE_DIR: state };

  it('Ctrl-C during freeze + partition + stalled archive heals all three (exit 130, report says interrupted)', async () => {
    const reports = mkdtempSync(join(tmpdir(), 'pgdrill-heal-'));
    const cli = startCli(['run', 'test/fixtures/heal-on-interrupt.ts', '--keep', '--report-dir', reports], env);
    expect(await waitForOutput(cli, 'wait 10m', 180_000), `reached the long wait with the faults active; the output:\n${cli.output()}`).toBe(true);
    const runId = /run ([0-9a-f]{8})/.exec(cli.output())![1]!;
    const docker = dockerClient();
    const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
    const before = await docker.listContainers({ all: true, filters });
    expect(before.some((c) => c.State === 'paused'), 'the freeze is in effect').toBe(true);

    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);

    const after = await docker.listContainers({ all: true, filters });
    expect(after.length, 'the stack was kept (--keep)').toBeGreaterThan(0);
    expect(after.filter((c) => c.State === 'paused')).toEqual([]);
    for (const c of after.filter((c) => c.State === 'running')) {
      expect(await pgdrillRules(docker.getContainer(c.Id)), `iptables rules left in ${c.Names[0]}`).toEqual([]);
    }
    const reportDir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
    const report = JSON.parse(readFileSync(join(process.cwd(), reportDir!, 'report.json'), 'utf8')) as { verdict: string; faults: Array<{ healOutcome: string }> };
    expect(report.verdict).toBe('interrupted');
    expect(report.faults.map((f) => f.healOutcome)).toEqual(['healed', 'healed', 'healed']);

    expect((await runCli(['down', '--run', runId], env)).code).toBe(0);
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
