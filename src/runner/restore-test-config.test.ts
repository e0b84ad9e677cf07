import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { loadRestoreTestConfig } from './restore-test-config.ts';

function configFile(body: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-rt-config-'));
  const file = join(dir, 'restore-test.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

function refusal(body: unknown): UsageError {
  try {
    loadRestoreTestConfig(configFile(body));
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as UsageError).message;
    expect(message).not.toContain('\n');
    return error as UsageError;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('loadRestoreTestConfig: source', () => {
  it('reads a local run source with its stanza', () => {
    const config = loadRestoreTestConfig(configFile({ source: { run: 'abc123' }, stanza: 'main' }));
    expect(config.source).toEqual({ kind: 'local', run: 'abc123' });
    expect(config.stanza).toBe('main');
    expect(config.target).toBe('latest');
  });

  it('reads a kubernetes source, with and without a context', () => {
    expect(loadRestoreTestConfig(configFile({ source: { kubernetes: { cluster: 'pg-main', namespace: 'db' } }, target: '2026-12-02T05:00:00Z' })).source)
      .toEqual({ kind: 'kubernetes', cluster: 'pg-main', namespace: 'db' });
    expect(loadRestoreTestConfig(configFile({ source: { kubernetes: { cluster: 'pg-main', namespace: 'db', context: 'prod-eu' } } })).source)
      .toEqual({ kind: 'kubernetes', cluster: 'pg-main', namespace: 'db', context: 'prod-eu' });
  });

  it('refuses a stanza with a kubernetes source', () => {
    expect(refusal({ source: { kubernetes: { cluster: 'pg-main', namespace: 'db' } }, stanza: 'main' }).message).toMatch(/"stanza" applies to a local source only/);
  });

  it.each([
    [{ source: { run: 'a', kubernetes: { cluster: 'c', namespace: 'n' } } }, /"source" must be/],
    [{ source: {} }, /"source" must be/],
    [{ source: 'abc' }, /"source" must be/],
    [{ source: { run: 7 } }, /"source.run"/],
    [{ source: { kubernetes: 'pg-main' } }, /"source.kubernetes" must be/],
    [{ source: { kubernetes: { cluster: 'pg-main' } } }, /"source.kubernetes.namespace" must be a Kubernetes name/],
    [{ source: { kubernetes: { cluster: 'PG_Main', namespace: 'db' } } }, /"source.kubernetes.cluster" must be a Kubernetes name/],
    [{ source: { kubernetes: { cluster: 'pg-main', namespace: 'db', context: '' } } }, /"source.kubernetes.context"/],
    [{ source: { kubernetes: { cluster: 'pg-main', namespace: 'db', serverName: 'x' } } }, /unknown field "source.kubernetes.serverName"/],
    [{ source: { kubernetes: { cluster: 'pg-main', namespace: 'db' } }, target: 'yesterday' }, /"target" must be "latest" or an ISO 8601 time/],
    [{ source: { kubernetes: { cluster: 'pg-main', namespace: 'db' } }, backup: true }, /unknown field "backup"/],
  ])('refuses %j in one line', (body, message) => {
    expect(refusal(body).message).toMatch(message);
  });
});
