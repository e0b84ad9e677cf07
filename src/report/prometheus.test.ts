import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannedResult } from './canned-run.ts';
import { METRICS_PROM, prometheusReporter, pushToGateway, renderPrometheus } from './prometheus.ts';
import { runReporters } from './reporter.ts';

/** Every line of the text exposition format: HELP, TYPE, or `name{labels} value`. */
const LINE = /^(# (HELP|TYPE) pgdrill_[a-z0-9_]+ .+|pgdrill_[a-z0-9_]+\{([a-z_][a-z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\} -?[0-9.e+-]+|)$/;

describe('metrics.prom', () => {
  it('has the run\'s metrics labelled by scenario and target, a verdict series per value, and the thresholds', async () => {
    const text = await renderPrometheus([await cannedResult()]);
    expect(text).toContain('pgdrill_rto_seconds{scenario="primary-kill",target="local"} 5.005');
    expect(text).toContain('pgdrill_lost_writes{scenario="primary-kill",target="local"} 1');
    expect(text).toContain('pgdrill_verdict{scenario="primary-kill",target="local",verdict="fail"} 1');
    expect(text).toContain('pgdrill_verdict{scenario="primary-kill",target="local",verdict="pass"} 0');
    expect(text.match(/^pgdrill_verdict\{/gm)).toHaveLength(5);
    expect(text).toContain('pgdrill_threshold_ok{scenario="primary-kill",target="local",threshold="lost_writes == 0"} 0');
    expect(text).toContain('pgdrill_run_start_timestamp_seconds{scenario="primary-kill",target="local"} 1735725600');
    expect(text).toMatch(/pgdrill_run_info\{scenario="primary-kill",target="local",run_id="run-1",scenario_sha256="(ab){32}",pgdrill_version="0.1.0",postgres_version="15.18",ha_version="3.0.2"\} 1/);
    expect(text).toContain('# TYPE pgdrill_rto_seconds gauge');
    for (const line of text.split('\n')) expect(line).toMatch(LINE);
  });

  it('leaves out a metric that was not measured instead of reporting 0', async () => {
    const r = await cannedResult();
    r.metrics.lost_writes = null;
    const text = await renderPrometheus([r]);
    expect(text).not.toMatch(/^pgdrill_lost_writes\{/m);
    expect(text).toContain('# HELP pgdrill_lost_writes');
  });

  it('escapes label values and keeps one series per scenario in a suite', async () => {
    const a = await cannedResult();
    const b = await cannedResult();
    b.scenario = 'odd "name"\\with\nnewline';
    const text = await renderPrometheus([a, b]);
    expect(text).toContain('pgdrill_rto_seconds{scenario="odd \\"name\\"\\\\with\\nnewline",target="local"} 5.005');
    expect(text.match(/^pgdrill_rto_seconds\{/gm)).toHaveLength(2);
    for (const line of text.split('\n')) expect(line).toMatch(LINE);
  });

  it('is written as metrics.prom in the report directory, with no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-prom-'));
    const outcomes = await runReporters([prometheusReporter], await cannedResult(), { reportDir: dir });
    expect(outcomes).toEqual([{ reporter: 'prometheus', files: [METRICS_PROM] }]);
    expect(readdirSync(dir)).toEqual([METRICS_PROM]);
    expect(readFileSync(join(dir, METRICS_PROM), 'utf8')).toContain('pgdrill_lost_writes{scenario="primary-kill",target="local"} 1');
  });
});

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
});
