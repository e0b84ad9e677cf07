import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn } from '../../src/targets/local/docker-exec.ts';
import type { LocalTarget } from '../../src/targets/local/local-target.ts';
import type { TeardownStack } from '../../src/lifecycle/teardown-stack.ts';
import { leftovers, startTestStack, useTempStateDir } from '../support/stack.ts';

async function query<T extends pg.QueryResultRow>(target: LocalTarget, instance: string | null, sql: string): Promise<T[]> {
  const endpoint = instance === null ? target.client : target.instances.find((i) => i.name === instance)!.connection;
  const client = new pg.Client({ ...endpoint, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function psqlAsPostgres(target: LocalTarget, instance: string, sql: string): Promise<string> {
  return (await execIn(target.container(instance), ['psql', '-XAtc', sql], { user: 'postgres' })).stdout.trim();
}

describe('local target: a 3-zone Patroni stack with HAProxy and a pgBackRest repository', () => {
  let target: LocalTarget;
  let teardowns: TeardownStack;
  let runId: string;

  beforeAll(async () => {
    useTempStateDir();
    ({ target, teardowns } = await startTestStack({ synchronous: 'on' }));
    runId = target.runId;
  });

  afterAll(async () => {
    await teardowns?.runAll();
  });

  it('has one leader and two streaming replicas, one of them the synchronous standby', async () => {
    const topology = await target.topology();
    expect(topology.instances.filter((i) => i.role === 'primary')).toHaveLength(1);
    const primary = topology.primary!;
    const replication = await query<{ application_name: string; state: string; sync_state: string }>(
      target,
      primary,
      'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name',
    );
    expect(replication).toHaveLength(2);
    expect(replication.every((r) => r.state === 'streaming')).toBe(true);
    expect(replication.filter((r) => r.sync_state === 'sync')).toHaveLength(1);
    const replicas = target.instances.filter((i) => i.name !== primary);
    for (const r of replicas) {
      const [row] = await query<{ in_recovery: boolean }>(target, r.name, 'SELECT pg_is_in_recovery() AS in_recovery');
      expect(row!.in_recovery).toBe(true);
    }
  });

  it('archives WAL to the repository host without failures and lists the first full backup', async () => {
    const primary = (await target.topology()).primary!;
    await psqlAsPostgres(target, primary, 'SELECT pg_switch_wal()');
    let archiver = { archived_count: '0', failed_count: '0' };
    for (let i = 0; i < 40; i++) {
      [archiver] = await query<{ archived_count: string; failed_count: string }>(
        target,
        primary,
        'SELECT archived_count, failed_count FROM pg_stat_archiver',
      ) as [typeof archiver];
      if (Number(archiver.archived_count) > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(Number(archiver.archived_count)).toBeGreaterThan(0);
    expect(Number(archiver.failed_count)).toBe(0);

    const info = await execIn(target.container('repo'), ['pgbackrest', 'info', '--output=json'], { user: 'postgres' });
    const stanzas = JSON.parse(info.stdout) as Array<{ name: string; status: { code: number }; backup: Array<{ type: string }> }>;
    expect(stanzas[0]!.name).toBe('pgdrill');
    expect(stanzas[0]!.status.code).toBe(0);
    expect(stanzas[0]!.backup.some((b) => b.type === 'full')).toBe(true);
  });

  it('serves a write through HAProxy that every replica can read', async () => {
    await query(target, null, 'CREATE TABLE IF NOT EXISTS stack_check (k text PRIMARY KEY)');
    const [served] = await query<{ instance: string; in_recovery: boolean }>(
      target,
      null,
      "INSERT INTO stack_check VALUES ('written-through-haproxy') RETURNING current_setting('pgdrill.instance') AS instance, pg_is_in_recovery() AS in_recovery",
    );
    expect(served!.in_recovery).toBe(false);
    expect(served!.instance).toBe((await target.topology()).primary);
    for (const replica of target.instances.filter((i) => i.name !== served!.instance)) {
      let found = 0;
      for (let i = 0; i < 40 && found === 0; i++) {
        found = (await query(target, replica.name, "SELECT 1 FROM stack_check WHERE k = 'written-through-haproxy'")).length;
        if (found === 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(found, `row visible on ${replica.name}`).toBe(1);
    }
  });

  it('refuses a password-less connection (scram-sha-256)', async () => {
    const client = new pg.Client({ ...target.client, password: 'wrong', connectionTimeoutMillis: 5_000 });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('tears down leaving no container, network or volume labelled with the run', async () => {
    await teardowns.runAll();
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
