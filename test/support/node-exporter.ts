import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ensureDebianTool, type ToolCheck } from './debian-package.ts';

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

/** Debian's node_exporter, installed with apt-get when missing and root. */
export function ensureNodeExporter(): Promise<ToolCheck> {
  return ensureDebianTool(NODE_EXPORTER, 'prometheus-node-exporter');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * One scrape of node_exporter with only its textfile collector, reading
 * `directory`, on a free loopback port: what Prometheus would collect from
 * the files pgdrill wrote there. The exporter is stopped before this returns.
 */
export async function scrapeTextfiles(directory: string): Promise<string> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    NODE_EXPORTER,
    ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${directory}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  try {
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        return await response.text();
      } catch {
        if (child.exitCode !== null) throw new Error(`node_exporter exited with ${child.exitCode}: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`node_exporter did not answer on 127.0.0.1:${port} within 15 s: ${log}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}
