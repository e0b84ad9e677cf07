import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.ts';

// down, cleanup and status on run ids that are not one run's own folder. The
// Docker endpoint is a socket that does not exist: none of these may need it.
describe('pgdrill down / cleanup / status: which run', () => {
  function stateDir(): { parent: string; root: string; env: Record<string, string> } {
    const parent = mkdtempSync(join(tmpdir(), 'pgdrill-down-'));
    const root = join(parent, 'state', 'pgdrill');
    for (const id of ['run-one', 'run-two']) {
      mkdirSync(join(root, id), { recursive: true });
      writeFileSync(join(root, id, 'run.json'), JSON.stringify({ runId: id }));
      writeFileSync(join(root, id, 'pgpass'), 'secret');
    }
    writeFileSync(join(parent, 'state', 'neighbour'), 'not pgdrill\'s');
    return { parent, root, env: { PGDRILL_STATE_DIR: root, DOCKER_HOST: `unix://${join(parent, 'no-docker.sock')}` } };
  }

  function everythingKept(parent: string, root: string): void {
    expect(existsSync(join(parent, 'state', 'neighbour'))).toBe(true);
    expect(existsSync(join(root, 'run-one', 'pgpass'))).toBe(true);
    expect(existsSync(join(root, 'run-two', 'pgpass'))).toBe(true);
  }

  it.each([
    ['down', '..'],
    ['down', ''],
    ['down', '.'],
    ['down', '../..'],
    ['down', 'run-one/../run-two'],
    ['cleanup', '..'],
    ['cleanup', ''],
    ['status', '..'],
  ])('%s --run %j: exit 2 with one line, nothing removed', async (command, runId) => {
    const { parent, root, env } = stateDir();
    const result = await runCli([command, '--run', runId], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/run id ".*" is invalid: expected 3-31 lowercase letters, digits or dashes/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    everythingKept(parent, root);
  });

  it('down --run nosuch: exit 2 with the one line status gives', async () => {
    const { parent, root, env } = stateDir();
    const status = await runCli(['status', '--run', 'nosuch'], env);
    const down = await runCli(['down', '--run', 'nosuch'], env);
    expect(status.code).toBe(2);
    expect(down.code).toBe(2);
    expect(status.stderr).toMatch(/no run "nosuch" on this machine/);
    expect(down.stderr).toBe(status.stderr);
    expect(down.stdout).toBe('');
    everythingKept(parent, root);
  });

  it('status --run with a corrupt run.json: names the file and what is wrong, exit 2', async () => {
    const { root, env } = stateDir();
    writeFileSync(join(root, 'run-one', 'run.json'), '{"runId": "run-one", "instances": [');
    const result = await runCli(['status', '--run', 'run-one'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(root, 'run-one', 'run.json'));
    expect(result.stderr).toMatch(/is not valid JSON/);
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('status --run with a run.json that lacks its fields: names the file and the fields, exit 2', async () => {
    const { root, env } = stateDir();
    const result = await runCli(['status', '--run', 'run-one'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(root, 'run-one', 'run.json'));
    expect(result.stderr).toMatch(/missing or wrong: .*instances/);
    expect(result.stderr).not.toMatch(/Cannot read properties/);
  });
});
