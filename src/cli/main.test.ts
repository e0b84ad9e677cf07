import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.ts';

// Bad input is refused with one clear line and exit 2, before anything starts:
// none of these touch Docker (they fail during validation).
describe('pgdrill CLI: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-cli-'));
  const env = { PGDRILL_STATE_DIR: join(dir, 'state') };
  let busy: Server;
  let busyPort = 0;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  const badConfig = join(dir, 'bad.json');
  writeFileSync(badConfig, '{"zones": ["a"], "replicas": 3}');
  const unreadable = join(dir, 'not-json.json');
  writeFileSync(unreadable, 'zones: a');

  const cases: Array<[string, () => string[], RegExp | (() => RegExp)]> = [
    ['an unknown flag', () => ['up', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', () => ['upp'], /unknown command 'upp'/],
    ['an unknown target', () => ['up', '--target', 'moon'], /unknown target "moon"/],
    ['fewer than one zone', () => ['up', '--zones', ''], /at least one zone/],
    ['a port already in use', () => ['up', '--port', String(busyPort)], () => new RegExp(`port ${busyPort} on 127.0.0.1 is already in use`)],
    ['a missing config file', () => ['up', '--config', join(dir, 'nope.json')], /cannot read config file .*nope\.json: ENOENT/],
    ['a config file that is not JSON', () => ['up', '--config', unreadable], /is not valid JSON/],
    ['a config file with an unknown field', () => ['up', '--config', badConfig], /unknown field "replicas"/],
    ['a bad synchronous mode', () => ['up', '--sync', 'sometimes'], /synchronous mode "sometimes" is invalid/],
    ['Patroni timings that cannot work', () => ['up', '--ttl', '5', '--loop-wait', '2', '--retry-timeout', '4'], /loop_wait \+ 2 \* retry_timeout <= ttl/],
    ['a subnet outside 198.18.0.0/15', () => ['up', '--subnet', '10.0.0.0/24'], /inside 198\.18\.0\.0\/15/],
    ['run with a subnet outside 198.18.0.0/15', () => ['run', 'primary-kill', '--subnet', '10.0.0.0/24'], /subnet "10\.0\.0\.0\/24" is invalid: expected a \/24 inside 198\.18\.0\.0\/15/],
    ['up with more synchronous standbys than replicas', () => ['up', '--sync-standbys', '5'], /synchronous replication \(on\) with 5 standby\(s\) needs at least 6 zones \(got 3\)/],
    ['run with a textfile folder under /proc', () => ['run', 'primary-kill', '--textfile-dir', '/proc/x'], /--textfile-dir \/proc\/x: inside \/proc, a kernel file system/],
    ['up with an invalid run id', () => ['up', '--run-id', '..'], /run id "\.\." is invalid/],
    ['status with no run up', () => ['status'], /no run is up/],
    ['an unknown scenario name', () => ['run', 'primary-kil'], /primary-kil: unknown scenario \(did you mean primary-kill\?\)/],
    ['a missing scenario file', () => ['run', './nope.ts'], /nope\.ts: no such file/],
    ['an unknown stack generation', () => ['run', 'primary-kill', '--stack', 'debian11'], /--stack: stack generation "debian11" is unknown: expected debian12 or debian13/],
    ['quorum commit on Patroni 3.0.2', () => ['up', '--sync', 'quorum'], /synchronous 'quorum' needs Patroni 4's quorum commit; stack debian12 has Patroni 3\.0\.2/],
    ['a repeat count of zero', () => ['run', 'primary-kill', '--repeat', '0'], /--repeat expects a whole number from 1 to 20 \(got "0"\)/],
    ['certify with a side that is neither a generation nor a report', () => ['certify', '--baseline', 'debian12', '--candidate', 'debian14', 'primary-kill'], /--candidate "debian14" is neither a stack generation \(debian12, debian13\) nor a report folder/],
    ['certify a generation with no scenario', () => ['certify', '--baseline', 'debian12', '--candidate', 'debian13'], /--baseline debian12 is a stack generation: name the scenarios to run on it/],
    ['certify a local stack generation on kind', () => ['certify', '--target', 'kind', '--baseline', 'debian12', '--candidate', 'cnpg-1.30.0', 'primary-kill'], /--baseline debian12 is a stack generation: it runs with --target local \(--target kind takes a kube generation \(cnpg-<operator version>\[\+<PostgreSQL image>\]; operator versions 1\.30\.0, 1\.29\.2, 1\.29\.1, 1\.28\.4\)\)/],
    ['certify a kube generation on the local target', () => ['certify', '--baseline', 'cnpg-1.29.2', '--candidate', 'debian13', 'primary-kill'], /--baseline cnpg-1\.29\.2 is a kube generation: it runs with --target kind or --target kubernetes \(--target local takes a stack generation \(debian12, debian13\)\)/],
    ['certify an unknown operator version', () => ['certify', '--target', 'kind', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.27.0', 'primary-kill'], /--candidate "cnpg-1\.27\.0": CloudNativePG 1\.27\.0 is not a known operator version \(known: 1\.30\.0, 1\.29\.2, 1\.29\.1, 1\.28\.4\)/],
    ['certify a PostgreSQL image tagged latest', () => ['certify', '--target', 'kind', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.30.0+ghcr.io/cloudnative-pg/postgresql:latest', 'primary-kill'], /--candidate "cnpg-1\.30\.0\+ghcr\.io\/cloudnative-pg\/postgresql:latest": PostgreSQL image "ghcr\.io\/cloudnative-pg\/postgresql:latest" is tagged latest/],
    ['certify a kube side that is neither a generation nor a report', () => ['certify', '--target', 'kind', '--baseline', 'cnpg-1.29.2', '--candidate', '1.30.0', 'primary-kill'], /--candidate "1\.30\.0" is neither a kube generation \(cnpg-<operator version>\[\+<PostgreSQL image>\]; operator versions 1\.30\.0, 1\.29\.2, 1\.29\.1, 1\.28\.4\) nor a report folder/],
    ['certify a kube generation with no scenario', () => ['certify', '--target', 'kind', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.30.0'], /--baseline cnpg-1\.29\.2 is a kube generation: name the scenarios to run on it/],
    ['certify two operator versions on an existing cluster', () => ['certify', '--target', 'kubernetes', '--namespace', 'staging', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.30.0', 'primary-kill'], /--target kubernetes runs both sides on the installed CloudNativePG, but --baseline names 1\.29\.2 and --candidate 1\.30\.0: certify an operator upgrade with --target kind/],
    ['certify with its own --generation', () => ['certify', '--target', 'kind', '--generation', 'cnpg-1.30.0', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.30.0', 'primary-kill'], /--generation does not go with certify: --baseline and --candidate name each side's generation/],
    ['run with an unknown operator version', () => ['run', 'primary-kill', '--target', 'kind', '--generation', 'cnpg-1.31.0'], /--generation "cnpg-1\.31\.0": CloudNativePG 1\.31\.0 is not a known operator version/],
    ['run --generation on the local target', () => ['run', 'primary-kill', '--generation', 'cnpg-1.30.0'], /--generation goes with --target kind, not --target local/],
  ];

  it.each(cases)('%s: exit 2 with one line', async (_name, args, message) => {
    const result = await runCli(args(), env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(typeof message === 'function' ? message() : message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('--target kind on a machine without kind: exit 3 saying what to install, nothing started', async () => {
    const result = await runCli(['run', 'scenarios/primary-kill.ts', '--target', 'kind'], { ...env, PATH: '/usr/bin:/bin' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/kind is not installed: install kind/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('certify --target kind takes two kube generations and checks both on the target before running either (here: no kind, exit 3)', async () => {
    const reports = join(dir, 'certify-kind');
    const result = await runCli(['certify', '--target', 'kind', '--baseline', 'cnpg-1.29.2', '--candidate', 'cnpg-1.30.0+ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie', 'primary-kill', '--report-dir', reports], { ...env, PATH: '/usr/bin:/bin' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/kind is not installed: install kind/);
  });

  it('--target kubernetes refuses faults in a namespace not allowed (exit 2) before touching any cluster', async () => {
    const result = await runCli(['run', 'primary-kill', '--target', 'kubernetes', '--namespace', 'prod'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refusing to run primary-kill in namespace prod: faults on an existing cluster need --allow-destructive prod/);
  });

  it('help exits 0 and lists the commands', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    for (const command of ['run', 'list', 'up', 'status', 'down', 'cleanup', 'doctor']) expect(result.stdout).toContain(command);
  });
});
