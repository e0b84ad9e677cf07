import { Pushgateway } from 'prom-client';
import { prometheusRegistry } from './prometheus.ts';
import { redactSecrets } from './redact.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const PUSHGATEWAY_JOB = 'pgdrill';

/**
 * Pushes each run to a Pushgateway under job "pgdrill", grouped by scenario
 * and target (PUT: a run replaces the previous run of the same scenario).
 * Rejects with a message naming the gateway without its credentials.
 */
export async function pushToGateway(url: string, results: readonly RunResult[], timeoutMs = 10_000): Promise<void> {
  for (const r of results) {
    const gateway = new Pushgateway(url, { timeout: timeoutMs }, prometheusRegistry([r]));
    try {
      await gateway.push({ jobName: PUSHGATEWAY_JOB, groupings: { scenario: r.scenario, target: r.target } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(redactSecrets(`push of ${r.scenario} to the Pushgateway ${safeUrl(url)} failed: ${message}`));
    }
  }
}

/**
 * `--pushgateway URL`: the run's metrics.prom series, pushed once the run is
 * over; in a suite, every run at the end (one push per run, so each
 * scenario's group is replaced, never merged).
 */
export function pushgatewayReporter(url: string): Reporter {
  return {
    name: 'pushgateway',
    async onRun(result, { partOfSuite, log }) {
      if (partOfSuite) return [];
      await pushToGateway(url, [result]);
      log('pgdrill: pushed the run to the Pushgateway');
      return [];
    },
    async onSuite(_suite, results, { log }) {
      await pushToGateway(url, results);
      log(`pgdrill: pushed ${results.length === 1 ? 'the run' : `${results.length} runs`} to the Pushgateway`);
      return [];
    },
  };
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
