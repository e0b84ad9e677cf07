import { describe, expect, it } from 'vitest';
import { runCli, startCli, waitForOutput } from '../support/cli.ts';
import { leftovers, testRunId, useTempStateDir } from '../support/stack.ts';

// A user who presses Ctrl-C (or whose CI job is cancelled) must find nothing
// left running; a run killed outright is removed by `pgdrill cleanup`.
describe('pgdrill up: interrupted bring-up leaves nothing behind', () => {
  const state = useTempStateDir();
  const env = { PGDRILL_STATE_DIR: state };

  it.each([
    ['SIGINT', 'containers ...'],
    ['SIGTERM', 'patroni cluster ...'],
  ] as const)('%s during "%s" exits 130 and removes the run', async (signal, phase) => {
    const runId = testRunId(signal.toLowerCase());
    const cli = startCli(['up', '--port', '0', '--run-id', runId], env);
    expect(await waitForOutput(cli, phase, 120_000), `reached ${phase}; the CLI printed:\n${cli.output().slice(-2000)}`).toBe(true);
    cli.child.kill(signal);
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`${signal}: stopping`);
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('SIGKILL leaves the run behind; pgdrill cleanup removes it', async () => {
    const runId = testRunId('sigkill');
    const cli = startCli(['up', '--port', '0', '--run-id', runId], env);
    expect(await waitForOutput(cli, 'patroni cluster ...', 120_000), `the CLI printed:\n${cli.output().slice(-2000)}`).toBe(true);
    cli.child.kill('SIGKILL');
    await cli.done;
    expect((await leftovers(runId)).containers).toBeGreaterThan(0);
    const cleanup = await runCli(['cleanup', '--run', runId], env);
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(/removed 1 run\(s\): \d+ container\(s\), 1 network\(s\), 1 volume\(s\)/);
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
