import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannedResult, cannedSuite } from '../../test/support/canned-run.ts';
import { pushgatewayReporter, pushToGateway } from './pushgateway.ts';

describe('Pushgateway', () => {
  // A tiny stand-in gateway on 127.0.0.1: records what it is sent.
  const received: { method: string; url: string; body: string; authorization?: string }[] = [];
  let status = 200;
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
        res.writeHead(status).end(status >= 400 ? 'pushgateway says no' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('PUTs each run under job pgdrill grouped by scenario and target', async () => {
    received.length = 0;
    status = 200;
    await pushToGateway(base, [await cannedResult()]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/metrics/job/pgdrill/scenario/primary-kill/target/local' });
    expect(received[0]!.body).toContain('pgdrill_lost_writes{scenario="primary-kill",target="local"} 1');
  });

  it('sends basic auth from the URL and never puts the password in its error', async () => {
    received.length = 0;
    status = 503;
    const url = base.replace('http://', 'http://ci:t0p-s3cret@');
    const error = await pushToGateway(url, [await cannedResult()]).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/push of primary-kill to the Pushgateway http:\/\/127\.0\.0\.1:\d+\/ failed: push failed with status 503/);
    expect((error as Error).message).not.toContain('t0p-s3cret');
    expect(received[0]!.authorization).toBe(`Basic ${Buffer.from('ci:t0p-s3cret').toString('base64')}`);
  });

  it('as a reporter: pushes a run alone, leaves a suite\'s runs to the suite, and says so', async () => {
    received.length = 0;
    status = 200;
    const lines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-push-'));
    const reporter = pushgatewayReporter(base);
    const run = await cannedResult();
    expect(await reporter.onRun(run, { reportDir: dir, partOfSuite: true, log: (l) => lines.push(l) })).toEqual([]);
    expect(received).toHaveLength(0);
    expect(await reporter.onRun(run, { reportDir: dir, partOfSuite: false, log: (l) => lines.push(l) })).toEqual([]);
    const other = await cannedResult();
    other.scenario = 'switchover';
    await reporter.onSuite!(cannedSuite(), [run, other], { suiteDir: dir, log: (l) => lines.push(l) });
    expect(received.map((r) => r.url)).toEqual([
      '/metrics/job/pgdrill/scenario/primary-kill/target/local',
      '/metrics/job/pgdrill/scenario/primary-kill/target/local',
      '/metrics/job/pgdrill/scenario/switchover/target/local',
    ]);
    expect(lines).toEqual(['pgdrill: pushed the run to the Pushgateway', 'pgdrill: pushed 2 runs to the Pushgateway']);
    expect(readdirSync(dir)).toEqual([]);
  });
});
