import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { leftovers, useTempStateDir } from '../support/stack.ts';

const CONSUMER = fileURLToPath(new URL('../fixtures/library-consumer.ts', import.meta.url));

describe("pgdrill/stack: the HA stack inside a user's own test suite", () => {
  it('starts from the public entry alone, survives a primary kill, and leaves nothing behind after `await using`', async () => {
    const stateDir = useTempStateDir();
    const child = spawn(process.execPath, ['--import', 'tsx', CONSUMER], { env: { ...process.env, PGDRILL_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr.slice(-2000)).toBe(0);
    const [seen, disposed] = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(seen).toMatchObject({ instances: 3 });
    expect(seen!.newPrimary).not.toBe(seen!.oldPrimary);
    expect(seen!.recoveredAfter).toBeGreaterThan(0);
    expect(seen!.recoveredAfter).toBeLessThan(60);
    expect(disposed).toEqual({ disposed: seen!.runId });
    expect(await leftovers(String(seen!.runId))).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
