import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Certification } from '../../src/compare/certify.ts';
import { runCli } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// The certification smoke of npm test: freeze-etcd3 on both stack
// generations (the debian13 image is built here on a fresh machine). On
// Patroni 3.0.2 the woken primary takes the etcd v3 leader key back and
// acknowledged writes are lost; Patroni 4.0.7 creates the key with a
// compare-and-create transaction, so the candidate fixes it. The full matrix
// (every shipped scenario, several runs each) is `npm run test:matrix`.
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-certify-'));

describe('pgdrill certify on two real stack generations', () => {
  it('freeze-etcd3: fails on debian12 naming the lost writes, passes on debian13: fixed, exit 0', async () => {
    const result = await runCli(['certify', '--baseline', 'debian12', '--candidate', 'debian13', 'freeze-etcd3', '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
    const folder = readdirSync(reportRoot).find((f) => f.startsWith('certify-'));
    expect(folder, `${result.stdout}\n${result.stderr}`).toBeDefined();
    const certification = JSON.parse(readFileSync(join(reportRoot, folder!, 'certify.json'), 'utf8')) as Certification;
    const [freeze] = certification.scenarios;
    expect(freeze?.scenario).toBe('freeze-etcd3');
    expect(freeze?.verdict, freeze?.reasons.join('; ')).toBe('fixed');
    expect(freeze?.baseline?.verdicts).toEqual(['fail']);
    expect(freeze?.candidate?.verdicts).toEqual(['pass']);
    expect(freeze?.reasons.join('\n')).toMatch(/baseline run \S+: lost_writes == 0 failed: lost_writes = [1-9]/);
    expect(freeze?.baseline?.versions).toMatchObject({ stack: 'debian12', patroni: expect.stringContaining('3.0.2') });
    expect(freeze?.candidate?.versions).toMatchObject({ stack: 'debian13', patroni: expect.stringContaining('4.0.7'), postgres: expect.stringContaining('17.') });
    const lost = freeze?.metrics.find((m) => m.metric === 'lost_writes');
    expect(lost?.baseline?.min).toBeGreaterThan(0);
    expect(lost?.candidate?.max).toBe(0);
    expect(certification.verdict).toBe('pass');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('fixed        freeze-etcd3');
    for (const file of ['certify.md', 'certify.html', 'junit.xml']) expect(readdirSync(join(reportRoot, folder!))).toContain(file);
  }, 900_000);
});
