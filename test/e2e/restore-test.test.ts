import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeardownStack } from '../../src/lifecycle/teardown-stack.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import { execIn } from '../../src/targets/local/docker-exec.ts';
import type { LocalTarget } from '../../src/targets/local/local-target.ts';
import { runCli } from '../support/cli.ts';
import { leftovers, startTestStack, useTempStateDir } from '../support/stack.ts';

// `pgdrill restore-test` against the repository of a running stack: it
// passes, names an assertion that cannot hold, and leaves the source as it
// was (rows and WAL position), with no scratch left behind.
const state = useTempStateDir();
const dir = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-restore-test-'));

async function onPrimary<T>(target: LocalTarget, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const primary = (await target.topology()).primary!;
  const client = new pg.Client({ ...target.instances.find((i) => i.name === primary)!.connection, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function sourceState(target: LocalTarget): Promise<{ rows: string; lsn: string }> {
  return onPrimary(target, async (c) => ({
    rows: (await c.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]!.n,
    lsn: (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn,
  }));
}

async function restoreTest(config: object, name: string): Promise<{ code: number | null; stdout: string; report: RunResult }> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const result = await runCli(['restore-test', '--config', file, '--report-dir', join(dir, 'reports')], { PGDRILL_STATE_DIR: state });
  const report = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!report) throw new Error(`no report path in the output:\n${result.stdout}\n${result.stderr}`);
  return { code: result.code, stdout: result.stdout, report: JSON.parse(readFileSync(join(process.cwd(), report, 'report.json'), 'utf8')) as RunResult };
}

describe('pgdrill restore-test', () => {
  let target: LocalTarget;
  let teardowns: TeardownStack;

  beforeAll(async () => {
    ({ target, teardowns } = await startTestStack());
    // The source's data, archived: a table and an index, then the segment closed and waited for (the test's setup, not the restore test).
    await onPrimary(target, async (c) => {
      await c.query("CREATE TABLE orders (id int PRIMARY KEY, v text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 1000) g; CREATE INDEX ON orders (v)");
      const { rows } = await c.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
      const deadline = performance.now() + 60_000;
      while (performance.now() < deadline) {
        const last = (await c.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver')).rows[0]!.last ?? '';
        if (last >= rows[0]!.wal) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the segment was not archived');
    });
    // A quiet source: autovacuum off (its naptime-paced catalog vacuums wrote WAL mid-test), the table vacuumed, a checkpoint; then the WAL position holds still.
    const primary = target.container((await target.topology()).primary!);
    for (const sql of ['ALTER SYSTEM SET autovacuum = off', 'SELECT pg_reload_conf()', 'VACUUM ANALYZE', 'CHECKPOINT']) {
      await execIn(primary, ['psql', '-XAtqd', 'pgdrill', '-c', sql], { user: 'postgres' });
    }
    let last = '';
    for (let stable = 0; stable < 20; ) {
      const now = (await sourceState(target)).lsn;
      stable = now === last ? stable + 1 : 0;
      last = now;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    writeFileSync(join(dir, 'assertions.json'), JSON.stringify([{ name: 'every order is back', sql: 'SELECT count(*) FROM orders', expect: [['1000']] }]));
    writeFileSync(join(dir, 'impossible.json'), JSON.stringify([{ name: 'an order that never existed', sql: 'SELECT count(*) FROM orders WHERE id = 5000', expect: [['1']] }]));
  });

  afterAll(async () => {
    await teardowns?.runAll();
  });

  it('passes against the repository of a running stack, and leaves the source untouched', async () => {
    const before = await sourceState(target);
    const { code, report } = await restoreTest({ source: { run: target.runId }, target: 'latest', assertions: 'assertions.json' }, 'good');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(code).toBe(0);
    expect(report.metrics.amcheck_errors).toBe(0);
    expect(report.metrics.restore_assertions_failed).toBe(0);
    expect(report.metrics.restore_seconds).toBeGreaterThan(0);
    expect(report.evidence!.restoreTest!.tables).toContainEqual({ database: 'pgdrill', table: 'public.orders', rows: 1000 });
    expect(await sourceState(target)).toEqual(before);
    expect(await leftovers(report.runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('fails on a user assertion that cannot hold, and names it', async () => {
    const before = await sourceState(target);
    const { code, stdout, report } = await restoreTest({ source: { run: target.runId }, assertions: 'impossible.json' }, 'bad');
    expect(report.verdict).toBe('fail');
    expect(code).toBe(1);
    expect(report.metrics.restore_assertions_failed).toBe(1);
    expect(stdout).toContain('assertion "an order that never existed" did not hold: expected ["1"], got ["0"]');
    expect(readFileSync(join(process.cwd(), /report: (\S+)report\.md/.exec(stdout)![1]!, 'report.md'), 'utf8')).toContain('an order that never existed');
    expect(await sourceState(target)).toEqual(before);
  });

  it('refuses a config that names anything but a source to read, before anything starts (exit 2)', async () => {
    const file = join(dir, 'writes.json');
    writeFileSync(file, JSON.stringify({ source: { run: target.runId }, archivePush: true }));
    const result = await runCli(['restore-test', '--config', file], { PGDRILL_STATE_DIR: state });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/unknown field "archivePush".*a restore test reads the repository and nothing else/);
  });
});
