import { readRunRecord } from '../../targets/local/run-state.ts';
import { localStatus } from '../../targets/local/status.ts';
import { printLine } from '../output.ts';
import { selectRun } from './run-selection.ts';

/** `pgdrill status`: each instance's zone, role, state, timeline and lag; the primary's archiver. */
export async function statusCommand(flags: { run?: string; json?: boolean }): Promise<number> {
  const record = readRunRecord(selectRun(flags.run));
  const status = await localStatus(record);
  if (flags.json) {
    printLine(JSON.stringify(status, null, 2));
    return 0;
  }
  printLine(`run ${record.runId} (${record.target}), client endpoint ${record.client.url}`);
  const rows = [
    ['instance', 'zone', 'role', 'state', 'timeline', 'lag (bytes)'],
    ...status.topology.instances.map((i) => [i.name, i.zone, i.role, i.state, String(i.timeline ?? '-'), String(i.lagBytes ?? '-')]),
  ];
  for (const line of table(rows)) printLine(line);
  const a = status.archiver;
  if (a) {
    printLine(
      `archiver: last archived ${a.lastArchivedWal ?? 'none'}${a.lastArchivedAt ? ` at ${a.lastArchivedAt}` : ''}, ${a.archivedCount} archived, ${a.failedCount} failed${a.lastFailedWal ? ` (last failed ${a.lastFailedWal})` : ''}`,
    );
  } else {
    printLine(`archiver: unknown (${status.archiverError ?? 'no primary'})`);
  }
  return 0;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}
